package store

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"
)

func TestAttendance(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	visits := []Attendance{
		{Room: "1000", ParticipantID: "p1", Name: "Alice", Role: "moderator", Via: "sip", Source: "extension",
			Address: "2001", JoinedAt: t0.Add(2 * time.Minute)},
		{Room: "1000", ParticipantID: "p2", Name: "Guest", Role: "attendee", Via: "webrtc", Source: "guest_link",
			Address: "lnk_1", Email: "g@example.com", JoinedAt: t0.Add(time.Minute)},
		{Room: "1001", ParticipantID: "p3", Via: "sip", Source: "dial_in", Address: "+441632960123"},
	}
	ids := make([]int64, len(visits))
	for i, a := range visits {
		id, err := db.RecordJoin(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
		visits[i].ID = id
	}
	visits[2].JoinedAt = t0 // a zero JoinedAt means now
	for i := range visits {
		visits[i].JoinedAt = utc(visits[i].JoinedAt)
	}

	steps := []struct {
		name    string
		do      func() error
		wantErr error
	}{
		{"leave", func() error { return db.RecordLeave(ctx, ids[0], t0.Add(time.Hour)) }, nil},
		{"leave again", func() error { return db.RecordLeave(ctx, ids[0], t0.Add(2*time.Hour)) }, ErrEnded},
		{"leave unknown", func() error { return db.RecordLeave(ctx, 404, t0) }, ErrNotFound},
		{"role", func() error { return db.UpdateAttendanceRole(ctx, ids[1], "moderator") }, nil},
		{"role unknown", func() error { return db.UpdateAttendanceRole(ctx, 404, "x") }, ErrNotFound},
		{"join without room", func() error { _, err := db.RecordJoin(ctx, Attendance{}); return err }, ErrInvalid},
		{"quality", func() error {
			return db.RecordQuality(ctx, ids[0], CallQuality{LossIn: 5, LossOut: 0.5, JitterMS: 3.25, RTTMS: 40, MOS: 3.9})
		}, nil},
		{"quality unknown", func() error { return db.RecordQuality(ctx, 404, CallQuality{}) }, ErrNotFound},
	}
	for _, st := range steps {
		if err := st.do(); !errors.Is(err, st.wantErr) {
			t.Fatalf("%s: %v, want %v", st.name, err, st.wantErr)
		}
	}
	visits[0].LeftAt = ptr(utc(t0.Add(time.Hour)))
	visits[0].Quality = &CallQuality{LossIn: 5, LossOut: 0.5, JitterMS: 3.25, RTTMS: 40, MOS: 3.9}
	visits[1].Role = "moderator"

	for _, tc := range []struct {
		room string
		want []Attendance
	}{
		{"1000", []Attendance{visits[1], visits[0]}},
		{"1001", []Attendance{visits[2]}},
		{"", []Attendance{visits[2], visits[1], visits[0]}},
		{"404", nil},
	} {
		got, err := db.Attendance(ctx, tc.room)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "attendance of room "+tc.room, got, tc.want)
	}
}

func BenchmarkRecordJoin(b *testing.B) {
	ctx := context.Background()
	db, _, _ := newDB(b)
	a := Attendance{Room: "1000", Name: "Alice", Role: "attendee", Via: "sip", Source: "extension",
		Address: "2001", JoinedAt: t0}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		a.ParticipantID = strconv.Itoa(i)
		i++
		if _, err := db.RecordJoin(ctx, a); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRecordJoinParallel(b *testing.B) {
	ctx := context.Background()
	db, _, _ := newDB(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		a := Attendance{Room: "1000", Name: "Alice", Via: "webrtc", Source: "browser", JoinedAt: t0}
		for pb.Next() {
			if _, err := db.RecordJoin(ctx, a); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
