package store

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
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

// TestPostgresTimeouts: a DSN without timeouts gets the defaults, one
// with its own keeps them; and a server that accepts the connection but
// never answers fails Open after the connect timeout instead of hanging.
func TestPostgresTimeouts(t *testing.T) {
	for _, tc := range []struct {
		dsn       string
		connect   time.Duration
		statement string
	}{
		{"postgres://parley@db/parley", pgConnectTimeout, pgStatementTimeout},
		{"postgres://parley@db/parley?connect_timeout=2&statement_timeout=3s", 2 * time.Second, "3s"},
		{"host=db user=parley connect_timeout=7", 7 * time.Second, pgStatementTimeout},
	} {
		cfg, err := pgx.ParseConfig(tc.dsn)
		if err != nil {
			t.Fatal(err)
		}
		withTimeouts(cfg)
		if cfg.ConnectTimeout != tc.connect || cfg.RuntimeParams["statement_timeout"] != tc.statement {
			t.Errorf("%s: connect %v, statement %q; want %v, %q", tc.dsn, cfg.ConnectTimeout, cfg.RuntimeParams["statement_timeout"], tc.connect, tc.statement)
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // accept and say nothing
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	start := time.Now()
	db, err := OpenPostgres(context.Background(), "postgres://parley@"+ln.Addr().String()+"/parley?sslmode=disable&connect_timeout=1")
	if err == nil {
		db.Close()
		t.Fatal("opened a server that never answers")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Open gave up after %v, want about the 1 s connect timeout", d)
	}
}
