package prompts

import (
	"sync"

	"github.com/parleyhq/parley/media/resample"
)

// Player plays a queue of clips as frames of PCM, converting each clip to
// the rate the caller asks for.
//
// One goroutine, the call's media loop, reads frames with ReadFrame; any
// number of other goroutines may call Enqueue, Clear, Idle and Done at the
// same time. A mutex guards all of the state; ReadFrame holds it while it
// fills one frame, which takes well under a microsecond for a clip at the
// frame's rate and about 0.1 ms when resampling 16000 Hz to 48000 Hz.
//
// Every clip starts on a frame boundary: the frame that holds a clip's last
// samples is padded with silence, so consecutive clips are at most one frame
// (20 ms) apart. A clip at the frame's own rate is copied sample for sample;
// one at another rate goes through a resampler that is primed with the
// filter's delay at the start of the clip, so the resampled clip lines up
// with the frames and takes as many frames as it does at its own rate.
type Player struct {
	mu sync.Mutex

	// The fields below are guarded by mu.

	// queue[head:] are the clips waiting after the current one.
	queue []Clip
	head  int
	// cur is the clip being played and pos the index of the first of its
	// samples that the next frame starts at; playing is false when there is
	// no current clip.
	cur     Clip
	pos     int
	playing bool
	// rs is the resampler that cur is going through, primed for the output
	// rate rsOut; rsOut is 0 when cur is not being resampled. feed is the
	// index in cur of the next sample to give rs: pos plus the filter's
	// delay in input samples.
	rs    *resample.Resampler
	rsOut int
	feed  int
	// resamplers holds one resampler per (clip rate, frame rate) pair,
	// made on first use and reused for every clip after.
	resamplers map[[2]int]*resample.Resampler
	// in and discard are scratch buffers for the resampler's input and for
	// the output it makes while being primed.
	in, discard []int16
	// done is closed when the player next becomes idle; nil while idle.
	// closed is a channel closed at construction that Done returns while
	// the player is idle.
	done, closed chan struct{}
}

// maxFrame is the largest frame ReadFrame is expected to see, 20 ms at
// 48000 Hz; the scratch buffers start at that size and grow only if a
// caller uses longer frames.
const maxFrame = 48000 / 50

// NewPlayer returns an idle Player.
func NewPlayer() *Player {
	closed := make(chan struct{})
	close(closed)
	return &Player{
		resamplers: make(map[[2]int]*resample.Resampler),
		in:         make([]int16, maxFrame),
		discard:    make([]int16, maxFrame),
		closed:     closed,
	}
}

// Enqueue adds clips to the end of the queue; they play after whatever is
// playing or queued already. Clips with no samples or at a rate other than
// 8000, 16000 or 48000 Hz, which a Set never holds, are skipped.
func (p *Player) Enqueue(clips ...Clip) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range clips {
		if len(c.Samples) == 0 || !supportedRate(c.Rate) {
			continue
		}
		if p.done == nil {
			p.done = make(chan struct{})
		}
		p.queue = append(p.queue, c)
	}
}

// Clear stops the clip that is playing and empties the queue; the next
// ReadFrame returns false, and Done's channel is closed.
func (p *Player) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.queue)
	p.queue, p.head = p.queue[:0], 0
	p.playing = false
	p.cur = Clip{}
	p.becomeIdle()
}

// Idle reports whether the player has nothing left to play: every frame of
// every clip enqueued has been read, or Clear was called.
func (p *Player) Idle() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.idle()
}

// Done returns a channel that is closed when the player next becomes idle,
// as Idle reports it: once ReadFrame has returned the frame that holds the
// last samples of the queue, or Clear is called. While the player is idle,
// Done returns a closed channel. Enqueueing onto an idle player starts a new
// channel, so a caller that wants to wait for its prompt calls Done after
// Enqueue.
func (p *Player) Done() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done == nil {
		return p.closed
	}
	return p.done
}

// ReadFrame fills frame with the next len(frame) samples of the queue at
// rate Hz and reports true, or fills it with silence and reports false if
// there is nothing to play. rate is 8000, 16000 or 48000 and frame holds a
// whole number of milliseconds at that rate, normally 20 ms (rate/50
// samples); any other rate or length is a mistake of the caller's, for which
// ReadFrame fills frame with silence, consumes nothing and reports false.
// The rate may change from one frame to the next.
//
// ReadFrame is meant for one goroutine. It does not allocate, except for the
// first clip it resamples between a given pair of rates, or for a frame
// longer than 20 ms at 48000 Hz.
func (p *Player) ReadFrame(frame []int16, rate int) bool {
	if !supportedRate(rate) || len(frame) == 0 || len(frame)%(rate/1000) != 0 {
		clear(frame)
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.playing && !p.next() {
		clear(frame)
		return false
	}

	c := p.cur
	if c.Rate == rate {
		n := copy(frame, c.Samples[min(p.pos, len(c.Samples)):])
		clear(frame[n:])
		p.pos += len(frame)
		p.rsOut = 0
	} else {
		if p.rsOut != rate {
			p.prime(rate)
		}
		m := len(frame) * c.Rate / rate
		out := p.rs.Process(p.input(p.feed, m), frame[:0])
		p.feed += m
		p.pos += m
		// For whole-millisecond frames Process fills frame exactly; this
		// guards the contract should the resampler ever round differently.
		if len(out) < len(frame) {
			clear(frame[len(out):])
		}
	}

	if p.pos >= len(c.Samples) {
		p.playing = false
		p.cur = Clip{}
		if p.head == len(p.queue) {
			p.becomeIdle()
		}
	}
	return true
}

// next makes the first queued clip the current one and reports whether
// there was one. It is called with mu held.
func (p *Player) next() bool {
	if p.head == len(p.queue) {
		return false
	}
	p.cur = p.queue[p.head]
	p.queue[p.head] = Clip{}
	p.head++
	if p.head == len(p.queue) {
		p.queue, p.head = p.queue[:0], 0
	}
	p.pos, p.playing, p.rsOut = 0, true, 0
	return true
}

// prime readies the resampler from the current clip's rate to rate, starting
// at pos: it resets the filter and feeds it the filter's delay worth of
// samples, discarding the output, so that the next output sample is the one
// for input sample pos. It is called with mu held.
func (p *Player) prime(rate int) {
	key := [2]int{p.cur.Rate, rate}
	rs := p.resamplers[key]
	if rs == nil {
		// Both rates are 8000, 16000 or 48000, so New cannot fail.
		rs, _ = resample.New(p.cur.Rate, rate)
		p.resamplers[key] = rs
	}
	rs.Reset()
	p.rs, p.rsOut, p.feed = rs, rate, p.pos
	// Delay is a whole number of samples at both rates.
	for d := rs.Delay() * p.cur.Rate / rate; d > 0; {
		k := min(d, len(p.in))
		p.discard = rs.Process(p.input(p.feed, k), p.discard[:0])
		p.feed += k
		d -= k
	}
}

// input returns n samples of the current clip from index from on, with
// silence past its end, in the scratch buffer in. It is called with mu held.
func (p *Player) input(from, n int) []int16 {
	if cap(p.in) < n {
		p.in = make([]int16, n)
	}
	in := p.in[:n]
	k := 0
	if from < len(p.cur.Samples) {
		k = copy(in, p.cur.Samples[from:])
	}
	clear(in[k:])
	return in
}

// idle reports whether there is nothing to play. It is called with mu held.
func (p *Player) idle() bool { return !p.playing && p.head == len(p.queue) }

// becomeIdle closes the done channel, if there is one. It is called with
// mu held.
func (p *Player) becomeIdle() {
	if p.done != nil {
		close(p.done)
		p.done = nil
	}
}
