package bridge

import (
	"fmt"
	"testing"
)

// TestIDSuffix: with a suffix set, new participants' IDs end in it and go
// on counting, are found by it, and list in the order they came; without
// one they are plain again.
func TestIDSuffix(t *testing.T) {
	b := newTestBridge(t)
	room, _ := b.Room("1000")
	var ids []string
	for i, suffix := range []string{"", "@node2", "@node2", "@node2", ""} {
		room.SetIDSuffix(suffix)
		p, err := room.Join(&fakeLeg{}, JoinOptions{Name: fmt.Sprint(i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
		if got, err := room.Participant(p.ID); err != nil || got != p {
			t.Errorf("Participant(%q) = %v, %v", p.ID, got, err)
		}
	}
	want := []string{"1", "2@node2", "3@node2", "4@node2", "5"}
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Fatalf("ids %v, want %v", ids, want)
	}
	// Ten and more sort after nine.
	room.SetIDSuffix("@node2")
	for range 6 {
		if _, err := room.Join(&fakeLeg{}, JoinOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var listed []string
	for _, p := range room.Participants() {
		listed = append(listed, p.ID)
	}
	if listed[9] != "10@node2" || listed[10] != "11@node2" || listed[0] != "1" {
		t.Errorf("listed %v, want in the order of their numbers", listed)
	}
}

// TestIDNumber: the number an ID starts with.
func TestIDNumber(t *testing.T) {
	for id, want := range map[string]int{"7": 7, "7@node2": 7, "12@n": 12, "x": 0, "": 0} {
		if got := idNumber(id); got != want {
			t.Errorf("idNumber(%q) = %d, want %d", id, got, want)
		}
	}
}

// TestQuotaElsewhere: the quota counts the participants SetElsewhere
// reports on other nodes, and not the link legs; it is asked only for a
// newcomer the quota could make a spectator.
func TestQuotaElsewhere(t *testing.T) {
	b, err := New(Options{Rooms: []RoomSettings{{Number: "1000", Quota: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	room, _ := b.Room("1000")
	elsewhere, asked := 0, 0
	b.SetElsewhere(func(number string) int {
		if number != "1000" {
			t.Errorf("asked for room %q", number)
		}
		asked++
		return elsewhere
	})
	if _, err := room.Join(&fakeLeg{}, JoinOptions{Via: ViaCascade, Role: RoleModerator}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		elsewhere int
		role      Role
		want      Role
		asked     int
	}{
		{1, "", RoleAttendee, 1},             // 0 here (the link not counted) + 1 < 3
		{1, "", RoleAttendee, 2},             // 1 + 1 < 3
		{1, "", RoleSpectator, 3},            // 2 + 1: at the quota
		{0, "", RoleAttendee, 4},             // the others left
		{5, RoleModerator, RoleModerator, 4}, // not asked: a moderator passes
		{5, RoleSpectator, RoleSpectator, 4}, // nor for a spectator already
	} {
		elsewhere = tt.elsewhere
		p, err := room.Join(&fakeLeg{}, JoinOptions{Role: tt.role})
		if err != nil {
			t.Fatal(err)
		}
		if p.Role() != tt.want || asked != tt.asked {
			t.Errorf("%d elsewhere, role %q: joined as %s, asked %d times; want %s, %d", tt.elsewhere, tt.role, p.Role(), asked, tt.want, tt.asked)
		}
	}
}

// TestOnEnd: End calls the hook with the room's number before it hangs
// anyone up; MuteAllExcept calls its own and leaves the links alone.
func TestOnEnd(t *testing.T) {
	b := newTestBridge(t)
	room, _ := b.Room("1000")
	link, caller := &fakeLeg{}, &fakeLeg{}
	if _, err := room.Join(link, JoinOptions{Via: ViaCascade, Role: RoleModerator}); err != nil {
		t.Fatal(err)
	}
	p, err := room.Join(caller, JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var mutedAll []string
	b.SetOnMuteAll(func(number, keep string) { mutedAll = append(mutedAll, number+" but "+keep) })
	room.MuteAllExcept("")
	room.MuteAllExcept("7@n2")
	if fmt.Sprint(mutedAll) != "[1000 but  1000 but 7@n2]" {
		t.Errorf("mute all hook calls %q", mutedAll)
	}
	if !p.Muted() || room.Participants()[0].Muted() {
		t.Errorf("mute all: caller muted %v, link muted %v; want the caller only", p.Muted(), room.Participants()[0].Muted())
	}
	var ended []string
	b.SetOnEnd(func(number string) {
		caller.mu.Lock()
		defer caller.mu.Unlock()
		ended = append(ended, fmt.Sprintf("%s hung up %q", number, caller.hungUp))
	})
	room.End("over")
	if fmt.Sprint(ended) != `[1000 hung up ""]` || caller.hungUp == "" {
		t.Errorf("ended %v, caller hung up %q; want the hook first, once", ended, caller.hungUp)
	}
}
