package h245_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/parleyhq/parley/h323/h245"
)

// A call's endpoint drives one Session per call: fast start in the H.225.0
// Setup and its answer, then whatever H.245 PDUs arrive (tunnelled or on
// their own connection), sending what each step returns and acting on its
// events. Here the two sides of a call meet directly.
func Example() {
	now := time.Now()
	caller, _ := h245.NewSession(h245.Config{
		RTP:  netip.MustParseAddrPort("192.0.2.1:4000"),
		RTCP: netip.MustParseAddrPort("192.0.2.1:4001"),
	})
	callee, _ := h245.NewSession(h245.Config{
		TerminalType: 190, // an MCU
		Codecs:       []h245.Codec{h245.PCMU},
		RTP:          netip.MustParseAddrPort("198.51.100.9:6000"),
		RTCP:         netip.MustParseAddrPort("198.51.100.9:6001"),
	})

	proposals, _ := caller.OfferFastStart()                       // Setup's fastStart
	answer, calleeMedia, err := callee.AnswerFastStart(proposals) // Connect's fastStart
	if err != nil {
		fmt.Println("callee refuses fast start:", err) // and goes on with slow start
		return
	}
	callerMedia, _ := caller.AcceptFastStart(answer)
	fmt.Printf("caller sends %v to %v\n", callerMedia.Send, callerMedia.RemoteRTP)
	fmt.Printf("callee sends %v to %v\n", calleeMedia.Send, calleeMedia.RemoteRTP)

	// The caller presses 4 and 2; the callee hears two Digit events.
	pdus, _ := caller.Digits("42")
	for _, p := range pdus {
		_, events, _ := callee.Handle(now, p)
		for _, e := range events {
			if d, ok := e.(h245.Digit); ok {
				fmt.Printf("digit %c\n", d.Key)
			}
		}
	}

	// The callee hangs up: the caller answers EndSessionCommand and ends.
	bye, _ := callee.End()
	reply, events, _ := caller.Handle(now, bye[0])
	fmt.Printf("caller: %d reply, %T\n", len(reply), events[0])
	// Output:
	// caller sends PCMU to 198.51.100.9:6000
	// callee sends PCMU to 192.0.2.1:4000
	// digit 4
	// digit 2
	// caller: 1 reply, h245.Ended
}
