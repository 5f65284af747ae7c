package webrtc

import "sync"

// mediaGroup counts a call's media goroutines (track and RTCP readers,
// keyframe relays) so that the call can wait for them when it ends; once
// closed it lets no new one start. The zero mediaGroup is ready; it is
// safe for concurrent use.
type mediaGroup struct {
	mu     sync.Mutex
	closed bool // guarded by mu
	wg     sync.WaitGroup
}

// add counts a goroutine in and reports true, or reports false once the
// group is closed: the goroutine must then not run. A goroutine counted in
// calls done when it ends.
func (g *mediaGroup) add() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.wg.Add(1)
	return true
}

// done counts a goroutine out.
func (g *mediaGroup) done() { g.wg.Done() }

// close lets no new goroutine start. It is idempotent.
func (g *mediaGroup) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}

// wait returns once every goroutine counted in has ended.
func (g *mediaGroup) wait() { g.wg.Wait() }
