package ivr

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/prompts"
)

// TestDialIn: the PIN decides who gets in and with which role; the
// owner and members skip it; the guard is asked before every check; a
// room that refuses says why; every refusal hangs up with its reason.
func TestDialIn(t *testing.T) {
	t.Parallel()
	voice := shortPrompts(t)
	for _, tc := range []struct {
		name    string
		set     bridge.RoomSettings
		others  int             // callers in the room already
		ext     string          // the caller's extension
		digits  []string        // the i-th typed once the i-th PIN prompt is queued
		waits   []time.Duration // the guard's first answers
		wait    time.Duration   // and the next
		banned  bool
		in      bool          // DialIn's result
		role    bridge.Role   // the participant's, when in
		hangup  string        // in Hangup's reason, when not in
		hears   []string      // prompts heard, in order, among others
		fails   int           // wrong PINs the guard was told of
		within  time.Duration // DialIn returns within
		notSoon time.Duration // and not before
	}{
		{name: "no pin", in: true, role: bridge.RoleAttendee, hears: []string{prompts.FirstParticipant}, within: 2 * time.Second},
		{name: "second caller", others: 1, in: true, role: bridge.RoleAttendee, hears: []string{prompts.ParticipantsAre, prompts.DigitID(2), prompts.Participants}, within: 2 * time.Second},
		{name: "right pin", set: bridge.RoomSettings{PIN: "1234"}, digits: []string{"1234#"}, in: true, role: bridge.RoleAttendee,
			hears: []string{prompts.EnterPIN, prompts.FirstParticipant}, within: 2 * time.Second},
		{name: "moderator pin", set: bridge.RoomSettings{PIN: "1234", ModeratorPIN: "4321"}, digits: []string{"4321#"}, in: true,
			role: bridge.RoleModerator, hears: []string{prompts.EnterPIN, prompts.Moderator, prompts.FirstParticipant}, within: 2 * time.Second},
		{name: "owner needs none", set: bridge.RoomSettings{PIN: "1234", Owner: "2001"}, ext: "2001", in: true,
			role: bridge.RoleOwner, within: 2 * time.Second},
		{name: "member needs none", set: bridge.RoomSettings{PIN: "1234", Members: []string{"2002"}}, ext: "2002", in: true,
			role: bridge.RoleAttendee, within: 2 * time.Second},
		{name: "wrong then right", set: bridge.RoomSettings{PIN: "1234"}, digits: []string{"99#", "1234#"}, in: true, role: bridge.RoleAttendee,
			hears: []string{prompts.EnterPIN, prompts.WrongPIN, prompts.EnterPIN}, fails: 1,
			within: pinPenalty + 2*time.Second, notSoon: pinPenalty},
		{name: "wrong three times", set: bridge.RoomSettings{PIN: "1234"}, digits: []string{"1#", "2#", "3#"}, hangup: "wrong PIN three times",
			hears: []string{prompts.WrongPIN, prompts.WrongPIN, prompts.WrongPIN, prompts.Goodbye}, fails: 3,
			within: 2*pinPenalty + 2*time.Second, notSoon: 2 * pinPenalty},
		{name: "held by the guard", set: bridge.RoomSettings{PIN: "1234"}, digits: []string{"1234#"}, waits: []time.Duration{time.Second},
			in: true, role: bridge.RoleAttendee, within: 3 * time.Second, notSoon: time.Second},
		{name: "banned", set: bridge.RoomSettings{PIN: "1234"}, digits: []string{"1234#"}, banned: true,
			hangup: "too many wrong PINs", hears: []string{prompts.WrongPIN, prompts.Goodbye}, within: 2 * time.Second},
		{name: "held too long", set: bridge.RoomSettings{PIN: "1234"}, digits: []string{"1234#"}, wait: maxPINWait + time.Second,
			hangup: "too many wrong PINs", hears: []string{prompts.WrongPIN, prompts.Goodbye}, within: 2 * time.Second},
		{name: "full", set: bridge.RoomSettings{Capacity: 1}, others: 1, hangup: bridge.ErrFull.Error(),
			hears: []string{prompts.RoomFull}, within: 2 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := &fakeGuard{waits: tc.waits, wait: tc.wait, banned: tc.banned}
			h := newHarness(t, tc.set, g, voice)
			for range tc.others {
				if other := newFakeCall(); !<-h.dialIn(t, other, caller) {
					t.Fatalf("another caller was refused: %q", other.hangupReason())
				}
			}
			c := newFakeCall()
			who := caller
			who.Join.Extension = tc.ext
			start := time.Now()
			res := h.dialIn(t, c, who)
			for i, d := range tc.digits {
				if !c.awaitSaid(prompts.EnterPIN, i+1, tc.within) {
					t.Fatalf("PIN prompt %d not heard within %v (heard %v)", i+1, tc.within, c.said())
				}
				c.press(d)
			}
			var in bool
			select {
			case in = <-res:
			case <-time.After(tc.within):
				t.Fatalf("DialIn has not returned within %v", tc.within)
			}
			if took := time.Since(start); took < tc.notSoon {
				t.Errorf("DialIn returned after %v, before %v", took, tc.notSoon)
			}
			if in != tc.in {
				t.Fatalf("DialIn = %v, want %v (hung up: %q)", in, tc.in, c.hangupReason())
			}
			if in {
				p := c.Participant()
				if p == nil || p.Role() != tc.role {
					t.Errorf("participant %v, want role %q", p, tc.role)
				}
				if reason := c.hangupReason(); reason != "" {
					t.Errorf("admitted and hung up: %q", reason)
				}
			} else if got := c.hangupReason(); tc.hangup == "" || !strings.Contains(got, tc.hangup) {
				t.Errorf("hung up with %q, want %q", got, tc.hangup)
			}
			if !inOrder(c.said(), tc.hears) {
				t.Errorf("heard %v, want %v in that order", c.said(), tc.hears)
			}
			if fails, _, _ := g.counts(); fails != tc.fails {
				t.Errorf("guard told of %d wrong PINs, want %d", fails, tc.fails)
			}
		})
	}
}

// inOrder reports whether want is a subsequence of got.
func inOrder(got, want []string) bool {
	for _, w := range want {
		i := slices.Index(got, w)
		if i < 0 {
			return false
		}
		got = got[i+1:]
	}
	return true
}

// TestDialInGuard: the guard is asked under the caller's address and
// told of the right PIN.
func TestDialInGuard(t *testing.T) {
	t.Parallel()
	g := &fakeGuard{}
	h := newHarness(t, bridge.RoomSettings{PIN: "1234"}, g, shortPrompts(t))
	c := newFakeCall()
	res := h.dialIn(t, c, caller)
	c.press("1234#")
	if !<-res {
		t.Fatalf("not admitted: %q", c.hangupReason())
	}
	fails, succeeds, checks := g.counts()
	if fails != 0 || succeeds != 1 || checks != 1 {
		t.Errorf("guard: %d fails, %d successes, %d checks; want 0, 1, 1", fails, succeeds, checks)
	}
	if g.checks[0] != caller.Addr {
		t.Errorf("checked %v, want %v", g.checks[0], caller.Addr)
	}
}

// TestDialInLocked: a locked room refuses all but moderators, with the
// locked prompt.
func TestDialInLocked(t *testing.T) {
	t.Parallel()
	h := newHarness(t, bridge.RoomSettings{ModeratorPIN: "4321"}, &fakeGuard{}, shortPrompts(t))
	h.room.SetLocked(true)
	c := newFakeCall()
	res := h.dialIn(t, c, caller)
	c.press("#")
	if <-res {
		t.Fatal("a caller joined a locked room")
	}
	if got := c.hangupReason(); !strings.Contains(got, bridge.ErrLocked.Error()) {
		t.Errorf("hung up with %q, want %q", got, bridge.ErrLocked.Error())
	}
	if !inOrder(c.said(), []string{prompts.RoomLocked}) {
		t.Errorf("heard %v, want the locked prompt", c.said())
	}
	mod := newFakeCall()
	res = h.dialIn(t, mod, caller)
	mod.press("4321#")
	if !<-res {
		t.Fatalf("the moderator was refused: %q", mod.hangupReason())
	}
}

// TestDialInEnded: a call that ends at the prompt does not join, and is
// not hung up by the flow.
func TestDialInEnded(t *testing.T) {
	t.Parallel()
	h := newHarness(t, bridge.RoomSettings{PIN: "1234"}, &fakeGuard{}, shortPrompts(t))
	c := newFakeCall()
	res := h.dialIn(t, c, caller)
	c.press("12")
	c.Hangup("caller hung up")
	if <-res {
		t.Fatal("an ended call joined")
	}
	if h.room.Len() != 0 || c.hangupReason() != "caller hung up" {
		t.Errorf("room has %d, hung up with %q", h.room.Len(), c.hangupReason())
	}
}

// TestModeratorPINOnly: a room with only a moderator PIN asks moderators
// for it and lets everyone else in as the room decides: with the hash key
// at once, or by saying nothing for a short while (not the 15 s a PIN
// prompt waits); the moderator PIN makes a moderator, a wrong one is
// refused and asked again. The prompt here lasts 100 ms.
func TestModeratorPINOnly(t *testing.T) {
	t.Parallel()
	voice := shortPrompts(t)
	for _, tc := range []struct {
		name    string
		digits  string
		want    bridge.Role
		within  time.Duration
		notSoon time.Duration
	}{
		{"hash", "#", "", 2 * time.Second, 0},
		{"moderator PIN", "4321#", bridge.RoleModerator, 2 * time.Second, 0},
		{"wrong, then hash", "99##", "", 2 * time.Second, 0}, // the hash key is no PIN: no penalty
		{"says nothing", "", "", optionalPINTimeout + 2*time.Second, optionalPINTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, bridge.RoomSettings{ModeratorPIN: "4321"}, &fakeGuard{}, voice)
			c := newFakeCall()
			t.Cleanup(func() { c.Hangup("test over") })
			type result struct {
				role bridge.Role
				ok   bool
			}
			done := make(chan result, 1)
			start := time.Now()
			go func() {
				role, ok := h.flow.Line(c, h.log).admit(h.room, caller)
				done <- result{role, ok}
			}()
			c.press(tc.digits)
			select {
			case r := <-done:
				if !r.ok || r.role != tc.want {
					t.Errorf("admit = %q, %v; want %q, true", r.role, r.ok, tc.want)
				}
			case <-time.After(tc.within):
				t.Fatalf("not admitted within %v", tc.within)
			}
			if took := time.Since(start); took < tc.notSoon {
				t.Errorf("admitted after %v, before %v", took, tc.notSoon)
			}
		})
	}
}
