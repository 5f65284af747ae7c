package ivr

import (
	"net/netip"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/prompts"
)

// Call is an edge's call as the flow drives it: the leg the room mixes,
// the caller's digits and a private prompt. Its methods may be called
// from the goroutine that runs the flow (Line's methods) while the edge's
// own goroutines run.
type Call interface {
	bridge.Leg
	// Digits delivers the caller's DTMF digits ('0'-'9', '*', '#',
	// 'A'-'D') from every source the edge has, in order; the goroutine
	// that runs the Line is its only reader.
	Digits() <-chan rune
	// Say queues clips for this caller alone; they play instead of the
	// room's audio (the bridge's prompts use it too).
	Say(clips ...prompts.Clip)
	// Prompts is the player Say queues on; the flow clears it when the
	// caller types over a prompt and waits for it to go idle.
	Prompts() *prompts.Player
	// SendPrompt sends the next 20 ms of the playing prompt, if any. The
	// flow calls it every 20 ms while the call is in no room (afterwards
	// the room's mixer drives WriteAudio).
	SendPrompt()
	// Participant is the call's participant once a room has joined it
	// (bridge's Joined), else nil.
	Participant() *bridge.Participant
}

// Limiter is the PIN guard as the flow asks it before it checks a PIN:
// package guard's view of the PIN kind (guard.For(guard.PIN)), keyed by
// room number and counted per caller address. Its methods must be safe
// for concurrent use.
type Limiter interface {
	// Check reports how long a try by source on key must wait first (0:
	// go ahead), and whether source is banned.
	Check(source netip.Addr, key string) (wait time.Duration, banned bool)
	// Fail records a wrong PIN of source for key.
	Fail(source netip.Addr, key string)
	// Succeed records a right one; it lifts no ban.
	Succeed(source netip.Addr, key string)
}

// Caller is who calls in, as the edge knows them.
type Caller struct {
	// Join is how the caller joins the room: Name, Via, Extension (which
	// lets the room's owner and members in without a PIN), Source and
	// Address. The flow sets Role from the PIN.
	Join bridge.JoinOptions
	// Addr is the caller's source address, under which the PIN guard
	// counts wrong PINs (guard.SourceOf of the signalling peer).
	Addr netip.Addr
}
