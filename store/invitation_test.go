package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestRecordInvitation(t *testing.T) {
	ctx := context.Background()
	db, clk, _ := newRoomDB(t)
	l1000, err := db.CreateLink(ctx, Link{Room: "1000", Kind: LinkGuest, Token: linkToken(1), Role: "attendee"})
	if err != nil {
		t.Fatal(err)
	}
	l1001, err := db.CreateLink(ctx, Link{Room: "1001", Kind: LinkGuest, Token: linkToken(2), Role: "attendee"})
	if err != nil {
		t.Fatal(err)
	}
	clk.advance(time.Minute)
	for _, tc := range []struct {
		name    string
		inv     Invitation
		wantErr error
	}{
		{"email sent now", Invitation{LinkID: l1000.ID, Channel: ChannelEmail, To: "ada@example.org"}, nil},
		{"sms failed, explicit time, room given", Invitation{LinkID: l1000.ID, Room: "1000", Channel: ChannelSMS,
			To: "+447700900123", SentAt: t0.Add(-time.Hour), Error: "gateway said 503"}, nil},
		{"other room", Invitation{LinkID: l1001.ID, Channel: ChannelEmail, To: "bob@example.org"}, nil},
		{"unknown link", Invitation{LinkID: 404, Channel: ChannelEmail, To: "a@b"}, ErrNotFound},
		{"room is not the link's", Invitation{LinkID: l1000.ID, Room: "1001", Channel: ChannelEmail, To: "a@b"}, ErrInvalid},
		{"unknown channel", Invitation{LinkID: l1000.ID, Channel: "fax", To: "a@b"}, ErrInvalid},
		{"no address", Invitation{LinkID: l1000.ID, Channel: ChannelEmail}, ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := count(t, db, `SELECT COUNT(*) FROM invitations`)
			id, err := db.RecordInvitation(ctx, tc.inv)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("RecordInvitation: %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil {
				if n := count(t, db, `SELECT COUNT(*) FROM invitations`); n != before {
					t.Errorf("a refused invitation was stored")
				}
				return
			}
			all, err := db.Invitations(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			want := tc.inv
			want.ID = id
			if want.Room == "" {
				want.Room = map[int64]string{l1000.ID: "1000", l1001.ID: "1001"}[want.LinkID]
			}
			if want.SentAt.IsZero() {
				want.SentAt = t0.Add(time.Minute)
			}
			want.SentAt = utc(want.SentAt)
			for _, inv := range all {
				if inv.ID == id {
					mustEqual(t, "stored invitation", inv, want)
					return
				}
			}
			t.Fatalf("invitation %d not in %+v", id, all)
		})
	}

	// Listing: by room, ordered by SentAt (the failed SMS is dated an hour
	// earlier than the email recorded before it).
	got, err := db.Invitations(ctx, "1000")
	if err != nil {
		t.Fatal(err)
	}
	var channels []string
	for _, inv := range got {
		channels = append(channels, inv.Channel)
	}
	mustEqual(t, "channels of room 1000 by time", channels, []string{ChannelSMS, ChannelEmail})
	if got, _ := db.Invitations(ctx, "404"); len(got) != 0 {
		t.Errorf("invitations of an unknown room: %+v", got)
	}
}
