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
