package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// t0 is the fake clock's start: a time with sub-millisecond digits, to check
// that the store truncates consistently.
var t0 = time.Date(2026, 3, 2, 9, 30, 0, 123_456_789, time.UTC)

// clock is a fake clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time // guarded by mu
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newDB opens a fresh database (see openTestDB), closed at the end of the
// test, with a fake clock at t0. It returns where the database lives, for
// reopen.
func newDB(t testing.TB) (*DB, *clock, string) {
	t.Helper()
	c := &clock{t: t0}
	db, where := openTestDB(t, WithClock(c.now))
	return db, c, where
}

func ptr[T any](v T) *T { return &v }

// mustEqual fails the test if got and want differ.
func mustEqual[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func TestOpenPragmas(t *testing.T) {
	sqliteOnly(t)
	db, _, path := newDB(t)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", "5000"},
	} {
		for _, p := range []struct {
			name string
			q    func() (string, error)
		}{
			{"writer", func() (s string, err error) {
				err = db.w.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&s)
				return
			}},
			{"reader", func() (s string, err error) {
				err = db.r.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&s)
				return
			}},
		} {
			got, err := p.q()
			if err != nil {
				t.Fatalf("%s PRAGMA %s: %v", p.name, tc.pragma, err)
			}
			if got != tc.want {
				t.Errorf("%s PRAGMA %s = %q, want %q", p.name, tc.pragma, got, tc.want)
			}
		}
	}
	// The read pool must refuse writes.
	if _, err := db.r.ExecContext(ctx, `DELETE FROM rooms`); err == nil {
		t.Error("read pool accepted a write")
	}
}

func TestOpenErrors(t *testing.T) {
	sqliteOnly(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		path string
		opts []Option
	}{
		{"empty path", "", nil},
		{"query in path", filepath.Join(dir, "a.db?mode=ro"), nil},
		{"URI", "file:" + filepath.Join(dir, "a.db"), nil},
		{"nil clock", filepath.Join(dir, "b.db"), []Option{WithClock(nil)}},
		{"zero busy timeout", filepath.Join(dir, "c.db"), []Option{WithBusyTimeout(0)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := Open(tc.path, tc.opts...)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("Open: %v, want ErrInvalid", err)
			}
		})
	}
	// A directory that cannot be created.
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if db, err := Open(filepath.Join(file, "x", "parley.db")); err == nil {
		db.Close()
		t.Fatal("Open under a regular file succeeded")
	}
}

func TestOpenMemory(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db, err := Open(MemoryPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CreateRoom(ctx, Room{Number: "1000"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Room(ctx, "1000"); err != nil {
		t.Fatal(err)
	}
}

func TestCloseIdempotent(t *testing.T) {
	sqliteOnly(t)
	db, err := Open(filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := db.Close(); err != nil {
			t.Fatalf("Close #%d: %v", i+1, err)
		}
	}
}

func TestCancelledContext(t *testing.T) {
	db, _, _ := newDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := db.CreateRoom(ctx, Room{Number: "1000"}); !errors.Is(err, context.Canceled) {
		t.Errorf("CreateRoom: %v, want context.Canceled", err)
	}
	if _, err := db.Rooms(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Rooms: %v, want context.Canceled", err)
	}
}

// TestPersistence is the restart guarantee: everything written before Close
// is there after Open.
func TestPersistence(t *testing.T) {
	ctx := context.Background()
	db, c, where := newDB(t)
	room := Room{Number: "1000", Name: "Weekly sync", PIN: "4321", ModeratorPIN: "9999", Owner: "2001",
		Members: []string{"2002", "2003"}, Quota: 50, Capacity: 100, GuestAccess: true, GuestRole: "attendee",
		GuestWait: 90 * time.Second, CallerID: "+441632960100", Locked: true}
	if err := db.CreateRoom(ctx, room); err != nil {
		t.Fatal(err)
	}
	if err := db.SyncConfigRooms(ctx, []Room{{Number: "1001", Name: "From config"}}); err != nil {
		t.Fatal(err)
	}
	sched, err := db.CreateSchedule(ctx, Schedule{Room: "1000", Start: t0.Add(time.Hour), End: t0.Add(2 * time.Hour),
		TimeZone: "Europe/London", Participants: []ScheduledParticipant{{Target: "2002", Name: "Bob", Role: "moderator"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.MarkScheduleStarted(ctx, sched.ID, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	aid, err := db.RecordJoin(ctx, Attendance{Room: "1000", ParticipantID: "p1", Name: "Bob", Role: "attendee",
		Via: "sip", Source: "extension", Address: "2002", JoinedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RecordLeave(ctx, aid, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	tok, err := db.CreateToken(ctx, Token{Hash: HashToken("secret"), Room: "1000", Role: "moderator", Label: "ops"})
	if err != nil {
		t.Fatal(err)
	}

	wantRooms, _ := db.Rooms(ctx)
	wantSched, _ := db.Schedules(ctx, "")
	wantAtt, _ := db.Attendance(ctx, "")
	wantTok, _ := db.Tokens(ctx, "")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = reopen(t, where, WithClock(c.now))
	rooms, err := db.Rooms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "rooms", rooms, wantRooms)
	if len(rooms) != 2 || !rooms[1].ConfigOwned || rooms[0].GuestWait != 90*time.Second {
		t.Fatalf("rooms after reopen: %+v", rooms)
	}
	s, _ := db.Schedules(ctx, "")
	mustEqual(t, "schedules", s, wantSched)
	a, _ := db.Attendance(ctx, "")
	mustEqual(t, "attendance", a, wantAtt)
	toks, _ := db.Tokens(ctx, "")
	mustEqual(t, "tokens", toks, wantTok)
	got, err := db.TokenByHash(ctx, HashToken("secret"))
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "token", got, tok)
}

// TestConcurrentWriters runs 8 goroutines that write at once; none may see
// "database is locked", and no read-modify-write may be lost.
func TestConcurrentWriters(t *testing.T) {
	const goroutines, iterations = 8, 25
	for _, tc := range []struct {
		name    string
		handles int // DB handles on the same file, as if separate processes
	}{
		{"one handle", 1},
		{"two handles", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			first, _, path := newDB(t)
			dbs := []*DB{first}
			for range tc.handles - 1 {
				dbs = append(dbs, reopen(t, path))
			}
			if err := first.CreateRoom(ctx, Room{Number: "1000"}); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make(chan error, goroutines*iterations)
			for g := range goroutines {
				db := dbs[g%len(dbs)]
				wg.Go(func() {
					for i := range iterations {
						if err := db.CreateRoom(ctx, Room{Number: fmt.Sprintf("2%02d%02d", g, i)}); err != nil {
							errs <- err
						}
						if _, err := db.UpdateRoom(ctx, "1000", func(r *Room) error { r.Quota++; return nil }); err != nil {
							errs <- err
						}
						if _, err := db.RecordJoin(ctx, Attendance{Room: "1000", ParticipantID: fmt.Sprint(g, i)}); err != nil {
							errs <- err
						}
						if _, err := db.Attendance(ctx, "1000"); err != nil {
							errs <- err
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
				if strings.Contains(err.Error(), "locked") || strings.Contains(err.Error(), "busy") {
					t.Fatal("database was locked")
				}
			}
			r, err := first.Room(ctx, "1000")
			if err != nil {
				t.Fatal(err)
			}
			if r.Quota != goroutines*iterations {
				t.Errorf("quota = %d after %d increments: updates were lost", r.Quota, goroutines*iterations)
			}
			rooms, _ := first.Rooms(ctx)
			att, _ := first.Attendance(ctx, "1000")
			if len(rooms) != 1+goroutines*iterations || len(att) != goroutines*iterations {
				t.Errorf("got %d rooms and %d attendance records", len(rooms), len(att))
			}
		})
	}
}
