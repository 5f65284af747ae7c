package ivr

import (
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/prompts"
)

func TestKeypad(t *testing.T) {
	k := keypad{keys: DefaultKeys()}
	now := time.Now()
	press := func(d rune, at time.Duration) (Action, bool) { return k.press(d, now.Add(at)) }
	if _, ok := press('6', 0); ok {
		t.Error("a digit without * acted")
	}
	press('*', 0)
	if a, ok := press('6', time.Second); !ok || a != ActionMute {
		t.Errorf("*6 = %q %v, want mute", a, ok)
	}
	press('*', 2*time.Second)
	if _, ok := press('1', 6*time.Second); ok {
		t.Error("a digit 4 s after * acted")
	}
	press('*', 7*time.Second)
	if _, ok := press('8', 7*time.Second); ok {
		t.Error("an unmapped key acted")
	}
}

func TestParseKeys(t *testing.T) {
	for _, tc := range []struct {
		in   map[string]string
		want string // in the error; "" for none
	}{
		{map[string]string{"#6": "mute", "*9": "end"}, ""},
		{map[string]string{}, ""},
		{map[string]string{"6": "mute"}, `key "6": want * or # followed by a digit`},
		{map[string]string{"*66": "mute"}, `key "*66"`},
		{map[string]string{"x6": "mute"}, `key "x6"`},
		{map[string]string{"*x": "mute"}, `key "*x"`},
		{map[string]string{"*6": "explode"}, `key *6: unknown action "explode"`},
	} {
		got, err := ParseKeys(tc.in)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("ParseKeys(%v): %v", tc.in, err)
		case tc.want == "" && len(got) != len(tc.in):
			t.Errorf("ParseKeys(%v) = %v", tc.in, got)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("ParseKeys(%v) = %v, %v; want an error with %q", tc.in, got, err, tc.want)
		}
	}
}

// FuzzParseKeys: any key and action either parse into a map a keypad
// takes, with a key of two runes, or fail with an error naming the key.
func FuzzParseKeys(f *testing.F) {
	f.Add("*6", "mute")
	f.Add("#0", "end")
	f.Add("*", "help")
	f.Add("\xff9", "count")
	f.Fuzz(func(t *testing.T, seq, action string) {
		got, err := ParseKeys(map[string]string{seq: action})
		if err != nil {
			if got != nil || !strings.HasPrefix(err.Error(), "key ") {
				t.Fatalf("ParseKeys(%q: %q) = %v, %v", seq, action, got, err)
			}
			return
		}
		k := keypad{keys: got}
		now := time.Now()
		k.press(rune(seq[0]), now)
		if a, ok := k.press(rune(seq[1]), now); !ok || a != Action(action) {
			t.Fatalf("%q pressed = %q, %v; want %q", seq, a, ok, action)
		}
	})
}

// TestPress: each key acts for the caller's participant with its spoken
// confirmation; moderators' keys only play the help to others; a call in
// no room ignores keys.
func TestPress(t *testing.T) {
	t.Parallel()
	voice := shortPrompts(t)
	for _, tc := range []struct {
		name   string
		pin    string // the caller's: the moderator PIN makes a moderator
		keys   string
		hears  []string
		check  func(*bridge.Room, *bridge.Participant) string // what is wrong, or ""
		noJoin bool
	}{
		{name: "mute", keys: "*6", hears: []string{prompts.Muted},
			check: func(_ *bridge.Room, p *bridge.Participant) string { return want(p.Muted(), "not muted") }},
		{name: "unmute", keys: "*6*6", hears: []string{prompts.Muted, prompts.Unmuted},
			check: func(_ *bridge.Room, p *bridge.Participant) string { return want(!p.Muted(), "muted") }},
		{name: "count", keys: "*1", hears: []string{prompts.FirstParticipant}},
		{name: "help", keys: "*0", hears: []string{prompts.Help}},
		{name: "lock by attendee", pin: "1234#", keys: "*2", hears: []string{prompts.Help},
			check: func(r *bridge.Room, _ *bridge.Participant) string { return want(!r.Locked(), "locked") }},
		{name: "lock", pin: "4321#", keys: "*2", hears: []string{prompts.Locked},
			check: func(r *bridge.Room, _ *bridge.Participant) string { return want(r.Locked(), "not locked") }},
		{name: "unlock", pin: "4321#", keys: "*2*2", hears: []string{prompts.Locked, prompts.Unlocked},
			check: func(r *bridge.Room, _ *bridge.Participant) string { return want(!r.Locked(), "locked") }},
		{name: "mute all", pin: "4321#", keys: "*3", hears: []string{prompts.AllMuted},
			check: func(_ *bridge.Room, p *bridge.Participant) string { return want(!p.Muted(), "muted itself") }},
		{name: "slow second key", keys: "*", hears: nil},
		{name: "not in a room", keys: "*6", noJoin: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, bridge.RoomSettings{PIN: "1234", ModeratorPIN: "4321"}, &fakeGuard{}, voice)
			c := newFakeCall()
			t.Cleanup(func() { c.Hangup("test over") })
			line := h.flow.Line(c, h.log)
			if !tc.noJoin {
				c.press(tc.pin)
				if tc.pin == "" {
					c.press("1234#")
				}
				if !line.DialIn(h.room, caller) {
					t.Fatalf("not admitted: %q", c.hangupReason())
				}
			}
			before := len(c.said())
			for _, d := range tc.keys {
				line.Press(d)
			}
			if tc.name == "slow second key" {
				line.keys.at = line.keys.at.Add(-keyWindow - time.Second)
				line.Press('6')
			}
			if got := c.said()[before:]; !equalIDs(got, tc.hears) {
				t.Errorf("heard %v, want %v", got, tc.hears)
			}
			if p := c.Participant(); tc.check != nil {
				if msg := tc.check(h.room, p); msg != "" {
					t.Error(msg)
				}
			}
		})
	}
}

// TestPressEnd: *9 by a moderator ends the conference for everyone
// after the goodbye.
func TestPressEnd(t *testing.T) {
	t.Parallel()
	h := newHarness(t, bridge.RoomSettings{ModeratorPIN: "4321"}, &fakeGuard{}, shortPrompts(t))
	mod, other := newFakeCall(), newFakeCall()
	other.press("#")
	if !<-h.dialIn(t, other, caller) {
		t.Fatal("the attendee was refused")
	}
	mod.press("4321#")
	line := h.flow.Line(mod, h.log)
	if !line.DialIn(h.room, caller) {
		t.Fatal("the moderator was refused")
	}
	line.Press('*')
	line.Press('9')
	for _, c := range []*fakeCall{mod, other} {
		select {
		case <-c.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("the conference did not end")
		}
		if got := c.hangupReason(); got != "ended by a moderator's phone key" {
			t.Errorf("hung up with %q", got)
		}
	}
}

func want(ok bool, msg string) string {
	if ok {
		return ""
	}
	return msg
}

func equalIDs(got, want []string) bool {
	return len(got) == len(want) && inOrder(got, want)
}
