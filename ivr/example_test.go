package ivr_test

import (
	"log/slog"
	"net/netip"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/ivr"
)

// An edge's call goroutine: a call in gives its PIN and joins, then the
// edge serves the keys beside its own timers until the call ends. (A
// call out, which the bridge joined, skips DialIn.)
func ExampleLine() {
	var (
		flow *ivr.Flow    // ivr.New(ivr.Options{Prompts: …, Guard: …, Keys: …}), one per edge
		c    ivr.Call     // the edge's call, answered, its media running
		room *bridge.Room // the room the call dialled
		log  *slog.Logger // with the call's ID and room
	)
	run := func() {
		line := flow.Line(c, log)
		who := ivr.Caller{Join: bridge.JoinOptions{Name: "Ada", Via: "h323", Source: "dial_in", Address: "1001"},
			Addr: netip.MustParseAddr("192.0.2.7")}
		if !line.DialIn(room, who) {
			return // refused or gone; hung up already
		}
		check := time.NewTicker(250 * time.Millisecond) // the edge's own timeouts
		defer check.Stop()
		for {
			select {
			case <-c.Done():
				return
			case d := <-c.Digits():
				line.Press(d)
			case <-check.C:
			}
		}
	}
	_ = run
}
