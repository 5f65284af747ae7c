package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestCallRecords(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	recs := []CallRecord{
		{CallID: "a@h", Direction: "in", Room: "1000", From: "sip:2001@pbx", To: "sip:1000@pbx", StartedAt: t0},
		{CallID: "b@h", Direction: "out", Room: "1000", From: "+441632960100", To: "+441632960123", StartedAt: t0.Add(time.Minute)},
		{CallID: "c@h", Direction: "in", From: "sip:x@y", To: "sip:9@pbx"}, // never reached a room; starts now (t0)
		{CallID: "d@h", Direction: "in", Room: "1001", Result: "busy", Code: 486, Reason: "Busy Here",
			StartedAt: t0.Add(2 * time.Minute), EndedAt: ptr(t0.Add(3 * time.Minute))}, // added finished
	}
	for i := range recs {
		id, err := db.AddCallRecord(ctx, recs[i])
		if err != nil {
			t.Fatal(err)
		}
		recs[i].ID = id
		if recs[i].StartedAt.IsZero() {
			recs[i].StartedAt = t0
		}
		recs[i].StartedAt, recs[i].EndedAt = utc(recs[i].StartedAt), utcPtr(recs[i].EndedAt)
	}
	ans, end := t0.Add(70*time.Second), t0.Add(10*time.Minute)
	steps := []struct {
		name    string
		do      func() error
		wantErr error
	}{
		{"answer", func() error { return db.MarkCallAnswered(ctx, recs[1].ID, ans) }, nil},
		{"answer again", func() error { return db.MarkCallAnswered(ctx, recs[1].ID, end) }, ErrEnded},
		{"answer finished", func() error { return db.MarkCallAnswered(ctx, recs[3].ID, end) }, ErrEnded},
		{"answer unknown", func() error { return db.MarkCallAnswered(ctx, 404, end) }, ErrNotFound},
		{"finish", func() error { return db.FinishCallRecord(ctx, recs[1].ID, "answered", 200, "OK", end) }, nil},
		{"finish again", func() error { return db.FinishCallRecord(ctx, recs[1].ID, "failed", 500, "x", end) }, ErrEnded},
		{"finish unknown", func() error { return db.FinishCallRecord(ctx, 404, "failed", 500, "x", end) }, ErrNotFound},
	}
	for _, st := range steps {
		if err := st.do(); !errors.Is(err, st.wantErr) {
			t.Fatalf("%s: %v, want %v", st.name, err, st.wantErr)
		}
	}
	recs[1].AnsweredAt, recs[1].EndedAt = ptr(utc(ans)), ptr(utc(end))
	recs[1].Result, recs[1].Code, recs[1].Reason = "answered", 200, "OK"

	for _, tc := range []struct {
		name  string
		room  string
		limit int
		want  []CallRecord
	}{
		{"room, newest first", "1000", 0, []CallRecord{recs[1], recs[0]}},
		{"room, limited", "1000", 1, []CallRecord{recs[1]}},
		{"all, newest first, ties by ID", "", 0, []CallRecord{recs[3], recs[1], recs[2], recs[0]}},
		{"all, limited", "", 2, []CallRecord{recs[3], recs[1]}},
		{"negative limit is no limit", "1001", -1, []CallRecord{recs[3]}},
		{"unknown room", "404", 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.CallRecords(ctx, tc.room, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "records", got, tc.want)
		})
	}
}
