package prompts

import (
	"sync"
)

// Player plays a queue of clips as frames of PCM, converting each clip to
// the rate the caller asks for.
//
// One goroutine, the call's media loop, reads frames with ReadFrame; any
// number of other goroutines may call Enqueue, Clear, Idle and Done at the
// same time. A mutex guards all of the state; ReadFrame holds it while it
// copies one frame, well under a microsecond.
//
// Every clip starts on a frame boundary: the frame that holds a clip's last
// samples is padded with silence, so consecutive clips are at most one frame
// (20 ms) apart. A clip at the frame's own rate is copied sample for sample;
// one at another rate is resampled whole, once per rate for every player of
// it (conversions.go), its filter's delay taken out, so the resampled clip
// lines up with the frames and takes as many frames as it does at its own
// rate.
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
	// done is closed when the player next becomes idle; nil while idle.
	// closed is a channel closed at construction that Done returns while
	// the player is idle.
	done, closed chan struct{}
}

// NewPlayer returns an idle Player.
func NewPlayer() *Player {
	closed := make(chan struct{})
	close(closed)
	return &Player{closed: closed}
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
// ReadFrame is meant for one goroutine. It does not allocate, except when
// it is the first to play a clip at a rate not the clip's own (the clip is
// resampled then), or starts a clip that did not come from a Set.
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

	// pos counts the clip's own samples; whole-millisecond frames make
	// both conversions exact.
	c := p.cur
	s := c.samplesAt(rate)
	n := copy(frame, s[min(p.pos*rate/c.Rate, len(s)):])
	clear(frame[n:])
	p.pos += len(frame) * c.Rate / rate

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
	if p.cur.conv == nil {
		p.cur.conv = new(conversions)
	}
	p.queue[p.head] = Clip{}
	p.head++
	if p.head == len(p.queue) {
		p.queue, p.head = p.queue[:0], 0
	}
	p.pos, p.playing = 0, true
	return true
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
