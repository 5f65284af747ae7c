package bridge

import (
	"context"
	"sync"
	"testing"

	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/store"
)

// qualityLeg is a fakeLeg that measures its quality.
type qualityLeg struct {
	fakeLeg
	q media.Quality
}

func (l *qualityLeg) Quality() (media.Quality, bool) { return l.q, true }

// qualityRecords is a Records that keeps the qualities it is given.
type qualityRecords struct {
	nameRecords
	qmu sync.Mutex
	q   map[int64]store.CallQuality
}

func (r *qualityRecords) RecordQuality(_ context.Context, id int64, q store.CallQuality) error {
	r.qmu.Lock()
	defer r.qmu.Unlock()
	r.q[id] = q
	return nil
}

// TestQualityRecordedOnLeave checks that a leg's quality is shown while in
// the room and written to its attendance record when it leaves, and that a
// leg that measures nothing (a browser) has none.
func TestQualityRecordedOnLeave(t *testing.T) {
	recs := &qualityRecords{q: make(map[int64]store.CallQuality)}
	b, err := New(Options{Rooms: []RoomSettings{{Number: "1000"}}, Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	room, _ := b.Room("1000")
	phone := &qualityLeg{q: media.Quality{Received: 500, LossIn: 5, LossOut: 1, JitterIn: 2.5, RTT: 30, MOS: 3.9}}
	p1, err := room.Join(phone, JoinOptions{Name: "phone"})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := room.Join(&fakeLeg{}, JoinOptions{Name: "browser"})
	if err != nil {
		t.Fatal(err)
	}
	if q, ok := p1.Quality(); !ok || q.MOS != 3.9 {
		t.Errorf("phone's quality %+v %v, want MOS 3.9", q, ok)
	}
	if _, ok := p2.Quality(); ok {
		t.Error("a leg without RTCP has a quality")
	}
	p1.Leave()
	p2.Leave()
	want := store.CallQuality{LossIn: 5, LossOut: 1, JitterMS: 2.5, RTTMS: 30, MOS: 3.9}
	recs.qmu.Lock()
	defer recs.qmu.Unlock()
	if len(recs.q) != 1 || recs.q[1] != want {
		t.Errorf("recorded %+v, want record 1: %+v", recs.q, want)
	}
}
