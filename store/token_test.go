package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"testing"
	"time"
)

func TestCreateToken(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tok     Token
		wantErr error
	}{
		{"moderator", Token{Hash: HashToken("s1"), Room: "1000", Role: "moderator", Label: "ops", ExpiresAt: ptr(t0.Add(time.Hour))}, nil},
		{"an operator's", Token{Hash: HashToken("s6"), Room: "1000", Role: "attendee", Extension: "2003"}, nil},
		{"no expiry, created now", Token{Hash: HashToken("s2"), Room: "1000"}, nil},
		{"explicit creation time", Token{Hash: HashToken("s3"), Room: "1000", CreatedAt: t0.Add(-time.Hour)}, nil},
		{"short hash", Token{Hash: []byte("secret"), Room: "1000"}, ErrInvalid},
		{"no hash", Token{Room: "1000"}, ErrInvalid},
		{"no room", Token{Hash: HashToken("s4")}, ErrInvalid},
		{"unknown room", Token{Hash: HashToken("s5"), Room: "404"}, ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db, _, _ := newDB(t)
			if err := db.CreateRoom(ctx, Room{Number: "1000"}); err != nil {
				t.Fatal(err)
			}
			got, err := db.CreateToken(ctx, tc.tok)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("CreateToken: %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil {
				if all, _ := db.Tokens(ctx, ""); len(all) != 0 {
					t.Fatalf("a refused token was stored: %+v", all)
				}
				return
			}
			want := tc.tok
			want.ID = got.ID
			if want.CreatedAt.IsZero() {
				want.CreatedAt = t0
			}
			want.CreatedAt, want.ExpiresAt = utc(want.CreatedAt), utcPtr(want.ExpiresAt)
			mustEqual(t, "returned token", got, want)
			byHash, err := db.TokenByHash(ctx, tc.tok.Hash)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "token by hash", byHash, want)

			if _, err := db.CreateToken(ctx, tc.tok); !errors.Is(err, ErrExists) {
				t.Errorf("second CreateToken with the same hash: %v, want ErrExists", err)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	for _, n := range []string{"1000", "1001"} {
		if err := db.CreateRoom(ctx, Room{Number: n}); err != nil {
			t.Fatal(err)
		}
	}
	var toks []Token
	for _, tc := range []struct{ secret, room string }{{"a", "1000"}, {"b", "1001"}, {"c", "1000"}} {
		tok, err := db.CreateToken(ctx, Token{Hash: HashToken(tc.secret), Room: tc.room, Role: "moderator"})
		if err != nil {
			t.Fatal(err)
		}
		toks = append(toks, tok)
	}
	for _, tc := range []struct {
		room string
		want []Token
	}{
		{"1000", []Token{toks[0], toks[2]}},
		{"1001", []Token{toks[1]}},
		{"", toks},
		{"404", nil},
	} {
		got, err := db.Tokens(ctx, tc.room)
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "tokens of room "+tc.room, got, tc.want)
	}

	if err := db.DeleteToken(ctx, toks[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteToken(ctx, toks[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second DeleteToken: %v, want ErrNotFound", err)
	}
	if _, err := db.TokenByHash(ctx, HashToken("a")); !errors.Is(err, ErrNotFound) {
		t.Errorf("TokenByHash of a deleted token: %v, want ErrNotFound", err)
	}
	if _, err := db.TokenByHash(ctx, HashToken("never")); !errors.Is(err, ErrNotFound) {
		t.Errorf("TokenByHash of an unknown token: %v, want ErrNotFound", err)
	}
}

func TestTokenExpiredAndHash(t *testing.T) {
	exp := t0.Add(time.Hour)
	for _, tc := range []struct {
		name string
		tok  Token
		now  time.Time
		want bool
	}{
		{"no expiry", Token{}, t0.Add(1000 * time.Hour), false},
		{"before expiry", Token{ExpiresAt: &exp}, exp.Add(-time.Millisecond), false},
		{"at expiry", Token{ExpiresAt: &exp}, exp, true},
		{"after expiry", Token{ExpiresAt: &exp}, exp.Add(time.Second), true},
	} {
		if got := tc.tok.Expired(tc.now); got != tc.want {
			t.Errorf("%s: Expired = %v, want %v", tc.name, got, tc.want)
		}
	}
	if h := HashToken("x"); len(h) != sha256.Size {
		t.Errorf("HashToken length %d", len(h))
	}
}
