package api

import (
	"slices"
	"testing"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/store"
)

// qualityLeg is a fakeLeg that measures its call quality, as a SIP leg does.
type qualityLeg struct {
	*fakeLeg
	q media.Quality
}

func (l qualityLeg) Quality() (media.Quality, bool) { return l.q, true }

// TestParticipantQuality: a SIP participant's list entry has its quality,
// rounded to two decimals; a browser's, and a phone's before any packet,
// have none.
func TestParticipantQuality(t *testing.T) {
	b := newTestBridge(t, nil)
	srv := newTestServer(t, b)
	room, _ := b.Room("1000")
	legs := []bridge.Leg{
		qualityLeg{newFakeLeg(), media.Quality{Received: 950, LossIn: 5.0001, LossOut: 0.5, JitterIn: 2.345, RTT: 41.2, MOS: 3.9012}},
		newFakeLeg(),
		qualityLeg{newFakeLeg(), media.Quality{}},
	}
	for _, l := range legs {
		if _, err := room.Join(l, bridge.JoinOptions{Name: "x", Via: "sip"}); err != nil {
			t.Fatal(err)
		}
	}
	code, body := call(t, srv, "GET", "/api/v1/rooms/1000/participants", "")
	list := decode[[]Participant](t, body)
	if code != 200 || len(list) != 3 {
		t.Fatalf("%d %s", code, body)
	}
	want := CallQuality{LossIn: 5, LossOut: 0.5, Jitter: 2.35, RTT: 41.2, MOS: 3.9}
	if q := list[0].Quality; q == nil || *q != want {
		t.Errorf("phone's quality %+v, want %+v", q, want)
	}
	if list[1].Quality != nil || list[2].Quality != nil {
		t.Errorf("quality without measurement: %+v %+v", list[1].Quality, list[2].Quality)
	}
}

func TestQualityCSVCells(t *testing.T) {
	if got := recordedQuality(nil).csvCells(); len(got) != 5 || got[0] != "" {
		t.Errorf("cells of none: %q", got)
	}
	got := recordedQuality(&store.CallQuality{LossIn: 5, LossOut: 0.25, JitterMS: 3.333, RTTMS: 40, MOS: 3.9}).csvCells()
	if want := []string{"5", "0.25", "3.33", "40", "3.9"}; !slices.Equal(got, want) {
		t.Errorf("cells %q, want %q", got, want)
	}
}
