package e2e

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/testpg"
)

// TestPostgresStoreKeepsState: `parley serve` with store.driver: postgres
// keeps what the API made in the PostgreSQL database (a real server of
// Debian's postgresql, started here), not in a file: a room, its schedule
// and a token are there after the process is killed (SIGKILL) and started
// again; no SQLite file appears, and the DSN's password is never logged.
func TestPostgresStoreKeepsState(t *testing.T) {
	t.Parallel()
	dsn := startPostgres(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	password, ok := u.User.Password()
	if !ok || password == "" {
		t.Fatalf("the test DSN has no password")
	}
	config := `
sip:
  listen: [udp://127.0.0.1:0]
  domain: 127.0.0.1
rtp:
  ports: 47600-47698
http:
  listen: 127.0.0.1:0
log:
  format: json
admin_tokens: ["` + adminToken + `"]
store:
  driver: postgres
  dsn: "` + dsn + `"
`
	srv := startParley(t, config)
	if r := srv.logged("parley ready"); len(r) != 1 || r[0]["store"] != "postgres" {
		t.Errorf("ready line %v, want store=postgres", r)
	}
	room := map[string]any{"number": "2000", "name": "Kept in PostgreSQL", "quota": 5, "guest_wait": "45s"}
	if code := srv.apiCall(t, "POST", "/api/v1/rooms", room, nil); code != http.StatusCreated {
		t.Fatalf("POST room: %d", code)
	}
	if code := srv.apiCall(t, "POST", "/api/v1/rooms", room, nil); code != http.StatusConflict {
		t.Errorf("POST the same room again: %d, want 409 (a unique violation is ErrExists)", code)
	}
	start := time.Now().Add(time.Hour).Truncate(time.Second)
	sched := map[string]any{"start": start.Format(time.RFC3339), "end": start.Add(time.Hour).Format(time.RFC3339),
		"time_zone": "UTC", "participants": []map[string]any{{"target": "2001", "role": "moderator"}}}
	if code := srv.apiCall(t, "POST", "/api/v1/rooms/2000/schedules", sched, nil); code != http.StatusCreated {
		t.Fatalf("POST schedule: %d", code)
	}
	if err := srv.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-srv.stopped
	_ = srv.cmd.Wait()

	again := startParley(t, config)
	var got map[string]any
	if code := again.apiCall(t, "GET", "/api/v1/rooms/2000", nil, &got); code != http.StatusOK || got["name"] != "Kept in PostgreSQL" {
		t.Fatalf("room 2000 after the restart: %d %v", code, got)
	}
	var schedules []map[string]any
	if code := again.apiCall(t, "GET", "/api/v1/rooms/2000/schedules", nil, &schedules); code != http.StatusOK || len(schedules) != 1 {
		t.Errorf("schedules after the restart: %d %v, want 1", code, schedules)
	}
	for _, s := range []*server{srv, again} {
		if _, err := os.Stat(filepath.Join(filepath.Dir(s.config), "data")); err == nil {
			t.Errorf("%s: a data directory was made beside the config: SQLite was used", s.config)
		}
		s.logMu.Lock()
		for _, r := range s.logs {
			for _, v := range r {
				if str, ok := v.(string); ok && strings.Contains(str, password) {
					t.Errorf("the log shows the DSN's password: %v", r)
				}
			}
		}
		s.logMu.Unlock()
	}
}

// TestPostgresRegistrationRingsOnOtherNode: two `parley serve` share one
// PostgreSQL database, as two nodes of a cluster do. Extension 2001 (a
// real baresip) registers on node A only; a moderator's dial-out on node B
// rings it and it answers.
func TestPostgresRegistrationRingsOnOtherNode(t *testing.T) {
	t.Parallel()
	dsn := startPostgres(t)
	node := func(rtp string) string {
		return `
sip:
  listen: [udp://127.0.0.1:0]
  domain: 127.0.0.1
  auth_algorithms: [MD5]
rtp:
  ports: ` + rtp + `
http:
  listen: 127.0.0.1:0
log:
  format: json
admin_tokens: ["` + adminToken + `"]
extensions:
  - {number: "2001", name: Alice, password: secret-alice-1}
rooms:
  - number: "1000"
    name: Weekly sync
store:
  driver: postgres
  dsn: "` + dsn + `"
`
	}
	a := startParley(t, node("47700-47798"))
	b := startParley(t, node("47800-47898"))
	quiet := filepath.Join(t.TempDir(), "quiet.wav")
	if err := writeTone(quiet, 8000, 0, 0, 20); err != nil {
		t.Fatal(err)
	}
	alice := newPhoneAccount(t, "alice", quiet, "PCMU/8000/1", 46600,
		"<sip:2001@"+a.sipUDP+">;auth_pass=secret-alice-1;regint=300;answermode=auto")
	alice.start(t, 10)
	a.waitLog(t, "registration added", 1, 10*time.Second)

	id := b.dial(t, "1000", "2001", map[string]any{"role": "moderator"})
	if d := b.waitDial(t, "1000", id, 15*time.Second); d.Status != "answered" || d.Name != "Alice" {
		b.dumpLogs(t)
		t.Fatalf("node B dials 2001, registered on node A: %+v, want answered, named Alice", d)
	}
	if len(b.logged("registration added")) != 0 {
		t.Error("2001 registered on node B too: the test proves nothing")
	}
	alice.wait(t)
}

// startPostgres starts a PostgreSQL of Debian's packages for the test
// (skipping it when they are missing, unless testpg.RequireEnv is set) and
// returns the DSN of a new database on it.
func startPostgres(t *testing.T) string {
	_, dsn := startPostgresServer(t)
	return dsn
}

// startPostgresServer is startPostgres that also returns the server, for
// a test that stops and resumes it.
func startPostgresServer(t *testing.T) (*testpg.Server, string) {
	t.Helper()
	pg, err := testpg.Start()
	if err != nil {
		t.Fatal(err)
	}
	if pg == nil {
		t.Skipf("%s; set %s to require it", testpg.Missing(), testpg.RequireEnv)
	}
	t.Cleanup(func() {
		if err := pg.Stop(); err != nil {
			t.Error(err)
		}
	})
	dsn, err := pg.NewDatabase(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return pg, dsn
}
