// Package ivr is the phone call flow every telephony edge shares (sip,
// h323): the dial-in PIN prompt and admission, joining the room, and the
// phone keys during the call. An edge's call implements Call; the flow
// drives it and never sees the signalling.
//
// The exported API:
//
//	type Call interface {             // what an edge's call gives the flow
//		bridge.Leg                    // ReadAudio, Format, WriteAudio, Hangup, Done
//		Digits() <-chan rune          // the caller's DTMF, every source merged
//		Say(clips ...prompts.Clip)    // queue private prompts (they play instead of the room)
//		Prompts() *prompts.Player     // the player Say queues on
//		SendPrompt()                  // send the next 20 ms of prompt (while in no room)
//		Participant() *bridge.Participant // nil until the room has joined it
//	}
//	type Limiter interface { Check; Fail; Succeed } // the PIN guard's view (guard.For(guard.PIN))
//	type Options struct { Prompts func() *prompts.Set; Guard Limiter; Keys map[string]Action }
//	func New(opts Options) (*Flow, error)
//	func (f *Flow) Line(c Call, log *slog.Logger) *Line
//	type Caller struct { Join bridge.JoinOptions; Addr netip.Addr }
//	func (l *Line) DialIn(room *bridge.Room, who Caller) bool   // PIN, join, welcome
//	func (l *Line) Press(d rune)                                // one digit during the call
//	func (l *Line) Play(limit time.Duration, ids ...string) bool // prompts while in no room
//	type Action string; const ActionMute, ActionCount, ActionHelp, ActionLock, ActionMuteAll, ActionEnd
//	func DefaultKeys() map[string]Action
//	func ParseKeys(m map[string]string) (map[string]Action, error)
//
// An edge makes one Flow (New) and, for every call, a Line. A call in
// answers, then on its own goroutine calls Line.DialIn: it asks for the
// room's PIN if there is one, driving the call's media itself every 20 ms
// (Call.ReadAudio to keep the jitter buffer and in-band DTMF moving,
// Call.SendPrompt for the prompt), joins the room with the role the PIN
// gave, and says who is there; false means the caller did not get in and
// has been hung up (or hung up). Then the edge's own loop reads
// Call.Digits until Call.Done and hands each digit to Line.Press, beside
// whatever timers the edge keeps (session timer, RTP timeout). A call out
// has been joined by the bridge and only needs Press.
//
// A Call is built as sip's is: a prompts.Player and a media.Overlay over
// it; Say is Overlay.Prepare then Player.Enqueue, SendPrompt writes
// Overlay.Next's payload to the stream, WriteAudio (the mixer's) sends
// Overlay.Next's payload instead of the room's while a prompt plays, and
// the bridge's Joined(p) stores p for Participant. The flow's log lines
// ("wrong pin", "call refused", "call joined", "phone key") go to the
// logger given to Flow.Line.
package ivr
