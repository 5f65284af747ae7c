package api

import (
	"slices"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/parleyhq/parley/bridge"
)

// TestEventsRemote: the events of Options.RemoteEvents (other nodes'
// rooms) reach the stream along with the bridge's own, filtered by room
// as those are.
func TestEventsRemote(t *testing.T) {
	e := newStoreEnv(t)
	var feed bridge.Feed
	e.s.events.remote = &feed
	admin, _, err := dialEvents(t, e.srv.URL, "Bearer "+testToken, "")
	if err != nil {
		t.Fatal(err)
	}
	scoped, _, err := dialEvents(t, e.srv.URL, "", "?token="+e.mint(t, "2000", "attendee"))
	if err != nil {
		t.Fatal(err)
	}

	feed.Publish(bridge.Event{Type: bridge.EventJoined, Room: "1000", Participant: "far-1", Name: "Far away"})
	room, _ := e.bridge.Room("2000")
	if _, err := room.Join(newFakeLeg(), bridge.JoinOptions{Name: "Here", Via: "sip"}); err != nil {
		t.Fatal(err)
	}
	feed.Publish(bridge.Event{Type: bridge.EventLeft, Room: "2000", Participant: "far-2"})

	// The two sources interleave in no set order; each keeps its own.
	for _, tt := range []struct {
		name   string
		stream *websocket.Conn
		want   []string
	}{
		{"admin", admin, []string{"joined 1000 far-1", "joined 2000 Here", "left 2000 far-2"}},
		{"room token", scoped, []string{"joined 2000 Here", "left 2000 far-2"}}, // not room 1000's
	} {
		var got []string
		for range tt.want {
			ev := nextEvent(t, tt.stream, "")
			got = append(got, string(ev.Type)+" "+ev.Room+" "+who(ev))
		}
		sorted := slices.Sorted(slices.Values(got))
		if !slices.Equal(sorted, slices.Sorted(slices.Values(tt.want))) {
			t.Errorf("%s's stream: %v, want %v in any order", tt.name, got, tt.want)
		}
		if slices.Index(got, "left 2000 far-2") < slices.Index(got, "joined 1000 far-1") {
			t.Errorf("%s's stream: the remote events out of order: %v", tt.name, got)
		}
	}
}

// who is a remote event's participant, or a local event's name.
func who(ev bridge.Event) string {
	if strings.HasPrefix(ev.Participant, "far-") {
		return ev.Participant
	}
	return ev.Name
}
