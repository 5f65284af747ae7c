// Package testpg starts, for tests, a private PostgreSQL 15 server (Debian's
// postgresql package) on a free loopback port, everything in a temporary
// directory (pg.sh beside this file: initdb, start, role and database
// "parley"; as root the server runs as the postgres user). One server per
// test binary, started in TestMain; each test gets a database of its own
// (NewDatabase), so tests stay independent and the server starts once.
package testpg

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// RequireEnv is the environment variable that, when set to anything but
// "", makes a missing PostgreSQL a failure rather than a skip (make test
// and CI set it).
const RequireEnv = "PARLEY_REQUIRE_POSTGRES"

// binDir holds Debian's PostgreSQL 15 programs.
const binDir = "/usr/lib/postgresql/15/bin"

// Server is a running PostgreSQL.
type Server struct {
	// DSN is the URL of database "parley" for role "parley" (LOGIN,
	// CREATEDB, password in the URL), sslmode=disable.
	DSN string

	dir, script string
	tmp         bool         // dir was made by Start: remove it on Stop
	dbs         atomic.Int64 // databases made by NewDatabase, for their names
}

// Start starts a server in a new temporary directory, on a free port of
// 127.0.0.1. It returns (nil, nil) when the PostgreSQL programs are not
// installed and RequireEnv is unset: the caller then skips, saying why
// (see Missing). With RequireEnv set, pg.sh installs them if it can. The
// caller must Stop the server.
func Start() (*Server, error) {
	if Missing() != "" && os.Getenv(RequireEnv) == "" {
		return nil, nil
	}
	dir, err := os.MkdirTemp("", "parley-pg-")
	if err != nil {
		return nil, fmt.Errorf("testpg: %w", err)
	}
	_, self, _, _ := runtime.Caller(0)
	s := &Server{dir: dir, tmp: true, script: filepath.Join(filepath.Dir(self), "pg.sh")}
	var out []byte
	for range 3 { // a port free a moment ago may be taken since
		port, perr := freePort()
		if perr != nil {
			err = perr
			continue
		}
		cmd := exec.Command(s.script, s.dir, strconv.Itoa(port))
		cmd.Stderr = os.Stderr
		if out, err = cmd.Output(); err == nil {
			break
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("testpg: pg.sh: %w", err)
	}
	for _, f := range strings.Fields(string(out)) {
		if v, ok := strings.CutPrefix(f, "dsn="); ok {
			s.DSN = v
		}
	}
	if s.DSN == "" {
		s.Stop()
		return nil, fmt.Errorf("testpg: pg.sh printed %q", out)
	}
	return s, nil
}

// Missing says which PostgreSQL program is not installed, or "" when they
// all are.
func Missing() string {
	for _, p := range []string{"initdb", "postgres"} {
		if _, err := os.Stat(filepath.Join(binDir, p)); err != nil {
			return filepath.Join(binDir, p) + " is not installed (apt-get install postgresql)"
		}
	}
	if _, err := exec.LookPath("psql"); err != nil {
		return "psql is not installed (apt-get install postgresql-client)"
	}
	return ""
}

// NewDatabase creates a database of its own on the server and returns its
// DSN, for one test: an empty one, or a copy of the database named by
// template (one made by NewDatabase, to which nobody is connected), which
// is quicker than filling each anew.
func (s *Server) NewDatabase(ctx context.Context, template ...string) (string, error) {
	name := "t" + strconv.FormatInt(s.dbs.Add(1), 10)
	from := ""
	if len(template) > 0 {
		from = " TEMPLATE " + pgx.Identifier{template[0]}.Sanitize()
	}
	conn, err := pgx.Connect(ctx, s.DSN)
	if err != nil {
		return "", fmt.Errorf("testpg: connect: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+from); err != nil {
		return "", fmt.Errorf("testpg: create database %s: %w", name, err)
	}
	u, err := url.Parse(s.DSN)
	if err != nil {
		return "", fmt.Errorf("testpg: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// Stop stops the server, waits until it is gone and removes its directory.
func (s *Server) Stop() error {
	out, err := exec.Command(s.script, "stop", s.dir).CombinedOutput()
	if err != nil {
		err = fmt.Errorf("testpg: pg.sh stop: %w\n%s", err, out)
	}
	if s.tmp {
		err = errors.Join(err, os.RemoveAll(s.dir))
	}
	return err
}

// Crash stops the server as a crash would (pg_ctl stop -m immediate: no
// checkpoint, every session cut), keeping its data; Resume starts it again.
func (s *Server) Crash() error {
	if out, err := exec.Command(s.script, "crash", s.dir).CombinedOutput(); err != nil {
		return fmt.Errorf("testpg: pg.sh crash: %w\n%s", err, out)
	}
	return nil
}

// Resume starts a crashed server again on the same port and data (it
// recovers from its log) and returns once it answers.
func (s *Server) Resume() error {
	if out, err := exec.Command(s.script, "resume", s.dir).CombinedOutput(); err != nil {
		return fmt.Errorf("testpg: pg.sh resume: %w\n%s", err, out)
	}
	return nil
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
