package mixer

import (
	"errors"
	"time"

	"github.com/parleyhq/parley/media"
)

// mixState is what a tick works on. It is owned by whoever holds
// Room.tickMu; only snapshot reads Room fields, under Room.mu.
type mixState struct {
	opts        *Options
	hangover    int     // in ticks
	thresholdMS float64 // mean square of a frame at the talker threshold

	built   bool     // members has been built once
	version uint64   // Room.version members was built at
	rate    int      // Room.rate members was built at
	members []member // the room as of the last change

	tickNo    uint64 // ticks done
	encRate   int    // rate of the buffers and encoders below
	minEnergy int64  // energy of a frame at the talker threshold, at encRate
	total     []int32
	total16   []int16
	groups    map[formatKey]*encoder // the shared encoders of non-talkers, by format
	changes   []change               // talker changes of this tick, for OnTalking

	// Figures of this tick.
	talkers, encodes int
	errors           uint64
}

// member is one participant as a tick sees it: the leg and a copy of the
// settings it had when the snapshot was taken.
type member struct {
	l      *leg
	active bool // neither muted nor listen-only: read and mixed
}

// change is a participant that started or stopped talking.
type change struct {
	l       *leg
	talking bool
}

// encoder is one encoder of a mix, with its payload buffer.
type encoder struct {
	enc    media.Encoder // nil when creation failed
	buf    []byte
	n      int    // length of this tick's payload in buf; -1 when there is none
	used   uint64 // tick that last used it (shared encoders only)
	logged bool   // an encode error has been logged
}

func (m *mixState) init(opts *Options) {
	m.opts = opts
	m.hangover = opts.hangoverTicks()
	m.thresholdMS = opts.thresholdMeanSquare()
	m.groups = make(map[formatKey]*encoder)
}

// Tick runs one 20 ms mix cycle: it reads each participant that is neither
// muted nor listen-only, updates talker detection, sums
// the talkers, and writes to every participant its mix, encoded once per
// distinct (format, mix). Then it calls OnTalking for the changes.
//
// A Metronome ticks every 20 ms; tests and custom schedulers call
// Tick directly, from any goroutine, which then is the tick goroutine for
// that call. Concurrent calls run one after the other. Tick must not be
// called from a Participant method or from OnTalking (it would deadlock).
func (r *Room) Tick() {
	r.tickMu.Lock()
	defer r.tickMu.Unlock()
	r.tick(false)
}

// tickBy is the tick of Metronome m, late when m runs it after it was due;
// it does nothing if r was removed from m.
func (r *Room) tickBy(m *Metronome, late bool) {
	r.tickMu.Lock()
	defer r.tickMu.Unlock()
	if r.metronome == m {
		r.tick(late)
	}
}

// tick runs one tick, telling OnTick whether it is late. r.tickMu must be
// held.
func (r *Room) tick(late bool) {
	start := time.Now()
	m := &r.mix
	r.snapshot()
	m.tick()
	m.notify()
	d := time.Since(start)

	r.statsMu.Lock()
	r.stats.Ticks++
	if late {
		r.stats.LateTicks++
	}
	r.stats.LastTick = d
	r.stats.Talkers = m.talkers
	r.stats.Encodes = m.encodes
	r.stats.EncoderErrors += m.errors
	r.statsMu.Unlock()
	if f := r.opts.OnTick; f != nil {
		f(d, late)
	}
}

// snapshot brings m.members up to date with the room, if the room changed.
// It holds Room.mu for O(1) when nothing changed.
func (r *Room) snapshot() {
	m := &r.mix
	r.mu.Lock()
	defer r.mu.Unlock()
	if m.built && m.version == r.version {
		return
	}
	old := len(m.members)
	m.members = m.members[:0]
	for _, l := range r.order {
		m.members = append(m.members, member{l: l, active: !l.muted && !l.listenOnly})
	}
	if old > len(m.members) {
		clear(m.members[len(m.members):old]) // let removed legs go
	}
	m.built, m.version, m.rate = true, r.version, r.rate
}

// tick mixes one frame and writes it out.
func (m *mixState) tick() {
	m.tickNo++
	m.talkers, m.encodes, m.errors = 0, 0, 0
	if m.rate != m.encRate {
		m.setRate(m.rate)
	}
	rate, total := m.encRate, m.total
	clear(total)

	// Read, detect talkers, sum them.
	for i := range m.members {
		mb := &m.members[i]
		l := mb.l
		if len(l.pcm) != len(total) {
			l.pcm = make([]int16, len(total))
		}
		was := l.tickTalking
		if mb.active && !l.removed.Load() {
			loud := false
			if l.p.ReadAudio(l.pcm, rate) {
				loud = energy(l.pcm) >= m.minEnergy
			} else {
				clear(l.pcm)
			}
			switch {
			case loud:
				l.tickTalking, l.hang = true, m.hangover
			case l.hang > 0:
				l.hang--
			default:
				l.tickTalking = false
			}
		} else {
			l.tickTalking, l.hang = false, 0
		}
		if l.tickTalking {
			m.talkers++
			t := total[:len(l.pcm)]
			for j, s := range l.pcm {
				t[j] += int32(s)
			}
		}
		if l.tickTalking != was {
			l.talking.Store(l.tickTalking)
			m.changes = append(m.changes, change{l: l, talking: l.tickTalking})
		}
	}
	t16 := m.total16[:len(total)]
	for j, s := range total {
		t16[j] = sat16(s)
	}

	// Encode and write: each talker its own N-1 mix, everyone else the
	// total, encoded once per format.
	for i := range m.members {
		l := m.members[i].l
		if l.removed.Load() || l.sendOnly {
			continue
		}
		if l.tickTalking {
			t := total[:len(l.pcm)]
			for j, s := range l.pcm {
				l.pcm[j] = sat16(t[j] - int32(s))
			}
			if l.own == nil {
				l.own = m.newEncoder(l.format)
			}
			if m.encode(l.own, l.pcm) {
				l.p.WriteAudio(l.own.buf[:l.own.n])
			}
			continue
		}
		l.own = nil
		e := m.groups[l.key]
		if e == nil {
			e = m.newEncoder(l.format)
			m.groups[l.key] = e
		}
		if e.used != m.tickNo {
			e.used = m.tickNo
			m.encode(e, m.total16)
		}
		if e.n >= 0 {
			l.p.WriteAudio(e.buf[:e.n])
		}
	}
	for k, e := range m.groups {
		if e.used != m.tickNo {
			delete(m.groups, k)
		}
	}
}

// setRate resizes the buffers for rate and drops every encoder, which was
// made for the old rate.
func (m *mixState) setRate(rate int) {
	n := rate / media.FramesPerSecond
	m.encRate = rate
	m.total = make([]int32, n)
	m.total16 = make([]int16, n)
	m.minEnergy = int64(m.thresholdMS * float64(n))
	clear(m.groups)
	for _, mb := range m.members {
		mb.l.own = nil
	}
}

// newEncoder makes an encoder of format f for the current rate. When
// Options.NewEncoder fails, the encoder it returns has no codec and writes
// nothing.
func (m *mixState) newEncoder(f media.Format) *encoder {
	size := max(1500, 4*max(m.encRate, f.SampleRate())/media.FramesPerSecond)
	e := &encoder{buf: make([]byte, size), n: -1}
	enc, err := m.opts.NewEncoder(f, m.encRate)
	if err == nil && enc == nil {
		err = errors.New("NewEncoder returned a nil encoder")
	}
	if err != nil {
		m.errors++
		m.opts.Logger.Warn("mixer: cannot create encoder", "format", f.String(), "input_rate", m.encRate, "err", err)
		return e
	}
	e.enc = enc
	return e
}

// encode encodes pcm with e and reports whether e now holds a payload.
func (m *mixState) encode(e *encoder, pcm []int16) bool {
	e.n = -1
	if e.enc == nil {
		return false
	}
	n, err := e.enc.Encode(pcm, e.buf)
	if err == nil && (n < 0 || n > len(e.buf)) {
		err = errors.New("encoder returned a length outside its buffer")
	}
	if err != nil {
		m.errors++
		if !e.logged {
			e.logged = true
			m.opts.Logger.Warn("mixer: encode failed", "format", e.enc.Format().String(), "err", err)
		}
		return false
	}
	e.n = n
	m.encodes++
	return true
}

// notify calls OnTalking for this tick's changes.
func (m *mixState) notify() {
	for _, c := range m.changes {
		if m.opts.OnTalking != nil && !c.l.removed.Load() {
			m.opts.OnTalking(c.l.id, c.talking)
		}
	}
	clear(m.changes)
	m.changes = m.changes[:0]
}
