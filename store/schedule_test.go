package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// newScheduleDB returns a database with rooms 1000 and 1001.
func newScheduleDB(t *testing.T) *DB {
	t.Helper()
	db, _, _ := newDB(t)
	for _, n := range []string{"1000", "1001"} {
		if err := db.CreateRoom(context.Background(), Room{Number: n}); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func TestCreateSchedule(t *testing.T) {
	parts := []ScheduledParticipant{{Target: "2002", Name: "Bob", Role: "moderator"}, {Target: "+441632960123", Role: "attendee"}}
	for _, tc := range []struct {
		name    string
		s       Schedule
		wantErr error
	}{
		{"with participants", Schedule{Room: "1000", Start: t0, End: t0.Add(time.Hour), TimeZone: "Europe/London", Participants: parts}, nil},
		{"without participants", Schedule{Room: "1000", Start: t0, End: t0.Add(time.Hour)}, nil},
		{"marks are ignored", Schedule{ID: 99, Room: "1000", Start: t0, End: t0.Add(time.Hour), StartedAt: ptr(t0)}, nil},
		{"no room", Schedule{Start: t0, End: t0.Add(time.Hour)}, ErrInvalid},
		{"unknown room", Schedule{Room: "404", Start: t0, End: t0.Add(time.Hour)}, ErrNotFound},
		{"no start", Schedule{Room: "1000", End: t0}, ErrInvalid},
		{"end before start", Schedule{Room: "1000", Start: t0, End: t0.Add(-time.Hour)}, ErrInvalid},
		{"end at start", Schedule{Room: "1000", Start: t0, End: t0}, ErrInvalid},
		{"participant without target", Schedule{Room: "1000", Start: t0, End: t0.Add(time.Hour),
			Participants: []ScheduledParticipant{{Name: "Nobody"}}}, ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := newScheduleDB(t)
			got, err := db.CreateSchedule(ctx, tc.s)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("CreateSchedule: %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil {
				if all, _ := db.Schedules(ctx, ""); len(all) != 0 {
					t.Fatalf("a refused schedule was stored: %+v", all)
				}
				return
			}
			want := normalizeSchedule(tc.s)
			want.ID, want.StartedAt = got.ID, nil
			if got.ID <= 0 {
				t.Errorf("ID = %d", got.ID)
			}
			mustEqual(t, "returned schedule", got, want)
			stored, err := db.Schedule(ctx, got.ID)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "stored schedule", stored, want)
		})
	}
}

func TestSchedulesList(t *testing.T) {
	ctx := context.Background()
	db := newScheduleDB(t)
	mk := func(room string, start time.Duration, target string) int64 {
		s, err := db.CreateSchedule(ctx, Schedule{Room: room, Start: t0.Add(start), End: t0.Add(start + time.Hour),
			Participants: []ScheduledParticipant{{Target: target}}})
		if err != nil {
			t.Fatal(err)
		}
		return s.ID
	}
	late := mk("1000", 3*time.Hour, "a")
	other := mk("1001", 2*time.Hour, "b")
	early := mk("1000", time.Hour, "c")
	for _, tc := range []struct {
		room    string
		wantIDs []int64
	}{
		{"1000", []int64{early, late}},
		{"1001", []int64{other}},
		{"", []int64{early, other, late}},
		{"404", nil},
	} {
		t.Run("room="+tc.room, func(t *testing.T) {
			got, err := db.Schedules(ctx, tc.room)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, s := range got {
				ids = append(ids, s.ID)
				if len(s.Participants) != 1 {
					t.Errorf("schedule %d has participants %v", s.ID, s.Participants)
				}
			}
			mustEqual(t, "IDs", ids, tc.wantIDs)
		})
	}
}

func TestUpdateSchedule(t *testing.T) {
	errBoom := errors.New("boom")
	addBob := func(s *Schedule) error {
		s.Participants = append(s.Participants, ScheduledParticipant{Target: "2003", Name: "Bob"})
		return nil
	}
	extend := func(s *Schedule) error { s.End = s.End.Add(time.Hour); return nil }
	for _, tc := range []struct {
		name    string
		started bool
		update  func(*Schedule) error
		wantErr error
		want    func(*Schedule)
	}{
		{"add participant", false, addBob, nil, func(s *Schedule) {
			s.Participants = append(s.Participants, ScheduledParticipant{Target: "2003", Name: "Bob"})
		}},
		{"move times", false, func(s *Schedule) error {
			s.Start, s.End, s.TimeZone = s.Start.Add(time.Hour), s.End.Add(time.Hour), "UTC"
			return nil
		}, nil, func(s *Schedule) { s.Start, s.End, s.TimeZone = s.Start.Add(time.Hour), s.End.Add(time.Hour), "UTC" }},
		{"participants frozen after start", true, addBob, ErrStarted, nil},
		{"participant edited after start", true, func(s *Schedule) error { s.Participants[0].Role = "x"; return nil }, ErrStarted, nil},
		{"participants cleared after start", true, func(s *Schedule) error { s.Participants = nil; return nil }, ErrStarted, nil},
		{"extend after start", true, extend, nil, func(s *Schedule) { s.End = s.End.Add(time.Hour) }},
		{"marks are kept", false, func(s *Schedule) error { s.StartedAt = ptr(t0); return nil }, nil, func(*Schedule) {}},
		{"room cannot change", false, func(s *Schedule) error { s.Room = "1001"; return nil }, ErrInvalid, nil},
		{"ID cannot change", false, func(s *Schedule) error { s.ID++; return nil }, ErrInvalid, nil},
		{"end before start", false, func(s *Schedule) error { s.End = s.Start; return nil }, ErrInvalid, nil},
		{"callback error aborts", false, func(s *Schedule) error { s.TimeZone = "x"; return errBoom }, errBoom, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := newScheduleDB(t)
			orig, err := db.CreateSchedule(ctx, Schedule{Room: "1000", Start: t0, End: t0.Add(time.Hour),
				Participants: []ScheduledParticipant{{Target: "2002", Role: "moderator"}}})
			if err != nil {
				t.Fatal(err)
			}
			if tc.started {
				if err := db.MarkScheduleStarted(ctx, orig.ID, t0); err != nil {
					t.Fatal(err)
				}
				orig.StartedAt = ptr(utc(t0))
			}
			got, err := db.UpdateSchedule(ctx, orig.ID, tc.update)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("UpdateSchedule: %v, want %v", err, tc.wantErr)
			}
			want := orig
			want.Participants = append([]ScheduledParticipant(nil), orig.Participants...)
			if tc.want != nil {
				tc.want(&want)
				want = normalizeSchedule(want)
				mustEqual(t, "returned schedule", got, want)
			}
			stored, err := db.Schedule(ctx, orig.ID)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "stored schedule", stored, want)
		})
	}
}

func TestScheduleMarks(t *testing.T) {
	ctx := context.Background()
	db := newScheduleDB(t)
	s, err := db.CreateSchedule(ctx, Schedule{Room: "1000", Start: t0, End: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	started, ended := t0.Add(time.Minute), t0.Add(50*time.Minute)
	steps := []struct {
		name    string
		do      func() error
		wantErr error
	}{
		{"end before start", func() error { return db.MarkScheduleEnded(ctx, s.ID, ended) }, ErrInvalid},
		{"start", func() error { return db.MarkScheduleStarted(ctx, s.ID, started) }, nil},
		{"start again", func() error { return db.MarkScheduleStarted(ctx, s.ID, ended) }, ErrStarted},
		{"end", func() error { return db.MarkScheduleEnded(ctx, s.ID, ended) }, nil},
		{"end again", func() error { return db.MarkScheduleEnded(ctx, s.ID, ended.Add(time.Minute)) }, ErrEnded},
		{"start unknown", func() error { return db.MarkScheduleStarted(ctx, 404, started) }, ErrNotFound},
		{"end unknown", func() error { return db.MarkScheduleEnded(ctx, 404, ended) }, ErrNotFound},
		{"update unknown", func() error {
			_, err := db.UpdateSchedule(ctx, 404, func(*Schedule) error { return nil })
			return err
		}, ErrNotFound},
		{"get unknown", func() error { _, err := db.Schedule(ctx, 404); return err }, ErrNotFound},
		{"delete unknown", func() error { return db.DeleteSchedule(ctx, 404) }, ErrNotFound},
	}
	for _, st := range steps {
		if err := st.do(); !errors.Is(err, st.wantErr) {
			t.Fatalf("%s: %v, want %v", st.name, err, st.wantErr)
		}
	}
	got, err := db.Schedule(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "started", got.StartedAt, ptr(utc(started)))
	mustEqual(t, "ended", got.EndedAt, ptr(utc(ended)))

	if err := db.DeleteSchedule(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Schedule(ctx, s.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Schedule after delete: %v, want ErrNotFound", err)
	}
}
