package store

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestOpenPostgresErrors: a DSN that does not parse is ErrInvalid, a
// server that is not there fails at Open, and neither message shows the
// password.
func TestOpenPostgresErrors(t *testing.T) {
	const pw = "s3cret-pw"
	for _, tc := range []struct {
		name, dsn string
		invalid   bool
	}{
		{"bad port in a URL", "postgres://parley:" + pw + "@db:port/parley", true},
		{"bad port in words", "host=db password=" + pw + " port=abc", true},
		{"no server", "postgres://parley:" + pw + "@127.0.0.1:1/parley?sslmode=disable&connect_timeout=2", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := OpenPostgres(context.Background(), tc.dsn)
			if err == nil {
				db.Close()
				t.Fatal("opened")
			}
			if errors.Is(err, ErrInvalid) != tc.invalid {
				t.Errorf("%v: ErrInvalid = %v, want %v", err, !tc.invalid, tc.invalid)
			}
			if strings.Contains(err.Error(), pw) {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}
