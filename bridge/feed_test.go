package bridge

import (
	"testing"
	"time"
)

func TestFeed(t *testing.T) {
	var f Feed
	a, b := f.Subscribe(), f.Subscribe()
	defer a.Close()
	f.Publish(Event{Type: EventJoined, Room: "1000", Participant: "p1"})
	b.Close()
	f.Publish(Event{Type: EventLeft, Room: "1000", Participant: "p1"})
	for _, want := range []EventType{EventJoined, EventLeft} {
		select {
		case e := <-a.C:
			if e.Type != want || e.Room != "1000" || e.Time.IsZero() {
				t.Fatalf("got %+v, want a %s of room 1000 with its time", e, want)
			}
		case <-time.After(time.Second):
			t.Fatalf("no %s event", want)
		}
	}
	if e := <-b.C; e.Type != EventJoined {
		t.Fatalf("the second subscriber got %+v before it closed, want the join", e)
	}
	if e, open := <-b.C; open {
		t.Fatalf("a closed subscription still delivers %+v", e)
	}
	for range eventBuffer + 3 {
		f.Publish(Event{Type: EventTalking, Room: "1000"})
	}
	if got := a.Dropped(); got != 3 {
		t.Fatalf("dropped %d, want 3 beyond the buffer", got)
	}
}
