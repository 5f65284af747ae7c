package accounts

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// fakeDir is a Directory with fixed users and passwords, or down.
type fakeDir struct {
	users map[string]User
	pw    map[string]string
	down  bool
	calls int
}

func (d *fakeDir) Authenticate(_ context.Context, login, password string) (User, error) {
	d.calls++
	if d.down {
		return User{}, fmt.Errorf("%w: dial tcp: connection refused", ErrUnavailable)
	}
	u, ok := d.users[login]
	if !ok {
		return User{}, ErrUnknown
	}
	if d.pw[login] != password {
		return User{}, ErrInvalid
	}
	return u, nil
}

// brokenDir fails with an error that is neither ErrInvalid nor
// ErrUnavailable.
type brokenDir struct{}

func (brokenDir) Authenticate(context.Context, string, string) (User, error) {
	return User{}, errors.New("something odd")
}

func hash(t *testing.T, pw string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func TestSignIn(t *testing.T) {
	local := NewLocal([]LocalUser{
		{Login: "2001", Name: "Op", Extension: "2001", Hash: hash(t, "op-pw"), Operator: true},
		{Login: "2002", Name: "Usr", Extension: "2002", Hash: hash(t, "usr-pw")},
		{Login: "2003", Name: "No web", Extension: "2003"}, // no hash: cannot sign in
		{Login: "alice", Name: "Shadow", Hash: hash(t, "local-alice")},
	})
	dir := &fakeDir{
		users: map[string]User{
			"alice": {Login: "alice", Role: RoleOperator, Source: "ldap", Extension: "1001"},
			"bob":   {Login: "bob", Role: RoleUser, Source: "ldap", Extension: "1002"},
			"root":  {Login: "root", Role: RoleUser, Source: "ldap"},
		},
		pw: map[string]string{"alice": "alice-pw", "bob": "bob-pw", "root": "root-pw"},
	}
	tests := []struct {
		name, login, pw string
		down            bool
		noDir           bool
		want            Role
		wantSource      string
		wantErr         error
	}{
		{name: "local operator", login: "2001", pw: "op-pw", want: RoleOperator, wantSource: "local"},
		{name: "local user", login: "2002", pw: "usr-pw", want: RoleUser, wantSource: "local"},
		{name: "local wrong password", login: "2002", pw: "nope", wantErr: ErrInvalid},
		{name: "local without hash falls to the directory", login: "2003", pw: "x", wantErr: ErrInvalid},
		{name: "local wins over the directory", login: "alice", pw: "local-alice", want: RoleUser, wantSource: "local"},
		{name: "directory password of a local login refused", login: "alice", pw: "alice-pw", wantErr: ErrInvalid},
		{name: "ldap user", login: "bob", pw: "bob-pw", want: RoleUser, wantSource: "ldap"},
		{name: "ldap wrong password", login: "bob", pw: "x", wantErr: ErrInvalid},
		{name: "ldap unknown", login: "eve", pw: "x", wantErr: ErrInvalid},
		{name: "admin from config", login: "root", pw: "root-pw", want: RoleAdmin, wantSource: "ldap"},
		{name: "empty password", login: "bob", pw: "", wantErr: ErrInvalid},
		{name: "empty login", login: "", pw: "x", wantErr: ErrInvalid},
		{name: "directory down", login: "bob", pw: "bob-pw", down: true, wantErr: ErrUnavailable},
		{name: "directory down, local still works", login: "2002", pw: "usr-pw", down: true, want: RoleUser, wantSource: "local"},
		{name: "no directory", login: "bob", pw: "bob-pw", noDir: true, wantErr: ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir.down = tt.down
			var d Directory = dir
			if tt.noDir {
				d = nil
			}
			a := New(local, d, []string{"root"})
			u, err := a.SignIn(context.Background(), tt.login, tt.pw)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if u.Role != tt.want || u.Source != tt.wantSource || u.Login != tt.login {
				t.Errorf("got %+v, want role %s source %s", u, tt.want, tt.wantSource)
			}
		})
	}
}

func TestSignInEmptyPasswordNeverReachesDirectory(t *testing.T) {
	dir := &fakeDir{users: map[string]User{"bob": {Login: "bob"}}, pw: map[string]string{"bob": ""}}
	if _, err := New(nil, dir, nil).SignIn(context.Background(), "bob", ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("err %v", err)
	}
	if dir.calls != 0 {
		t.Errorf("directory asked %d times", dir.calls)
	}
}

func TestSignInOddErrorIsUnavailable(t *testing.T) {
	_, err := New(nil, brokenDir{}, nil).SignIn(context.Background(), "bob", "x")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err %v, want ErrUnavailable", err)
	}
}

func TestSessions(t *testing.T) {
	now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	s := NewSessions(10*time.Minute, time.Hour, func() time.Time { return now })
	a := s.Create(User{Login: "alice"})
	if len(a.ID) < 43 || len(a.CSRF) < 43 || a.ID == a.CSRF {
		t.Fatalf("weak ids %q %q", a.ID, a.CSRF)
	}
	if b := s.Create(User{Login: "bob"}); b.ID == a.ID {
		t.Fatal("two sessions share an ID")
	}
	steps := []struct {
		advance time.Duration
		id      string
		live    bool
	}{
		{9 * time.Minute, a.ID, true},   // used: the idle clock restarts
		{9 * time.Minute, a.ID, true},   // 18 minutes in, but used 9 ago
		{0, "nope", false},              // unknown
		{11 * time.Minute, a.ID, false}, // idle too long
	}
	for i, st := range steps {
		now = now.Add(st.advance)
		if _, ok := s.Get(st.id); ok != st.live {
			t.Errorf("step %d: live %v, want %v", i, ok, st.live)
		}
	}
	// Absolute age: used every 9 minutes, still ends after an hour.
	c := s.Create(User{Login: "carol"})
	for range 6 {
		now = now.Add(9 * time.Minute)
		if _, ok := s.Get(c.ID); !ok {
			t.Fatal("ended early")
		}
	}
	now = now.Add(9 * time.Minute)
	if _, ok := s.Get(c.ID); ok {
		t.Error("lives beyond max age")
	}
	d := s.Create(User{Login: "dave"})
	s.Delete(d.ID)
	if _, ok := s.Get(d.ID); ok {
		t.Error("deleted session still live")
	}
}

// TestDummyHash: the hash unknown logins are checked against is a real
// cost-10 bcrypt hash, so the check takes the time a real one does.
func TestDummyHash(t *testing.T) {
	if c, err := bcrypt.Cost(dummyHash); err != nil || c != 10 {
		t.Fatalf("cost %d, %v", c, err)
	}
	if err := bcrypt.CompareHashAndPassword(dummyHash, []byte("x")); !errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
		t.Fatalf("compare: %v", err)
	}
}

func TestAdminsIgnoreCase(t *testing.T) {
	dir := &fakeDir{users: map[string]User{"Root": {Login: "Root", Role: RoleUser}}, pw: map[string]string{"Root": "pw"}}
	u, err := New(nil, dir, []string{"root"}).SignIn(context.Background(), "Root", "pw")
	if err != nil || u.Role != RoleAdmin {
		t.Fatalf("%+v %v", u, err)
	}
}

func TestSessionsPerUser(t *testing.T) {
	now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	s := NewSessions(time.Hour, 2*time.Hour, func() time.Time { return now })
	var ids []string
	for range MaxPerUser + 1 {
		now = now.Add(time.Second)
		ids = append(ids, s.Create(User{Login: "bob"}).ID)
	}
	other := s.Create(User{Login: "alice"})
	if _, ok := s.Get(ids[0]); ok {
		t.Error("the least recently used session outlived the cap")
	}
	for _, id := range append(ids[1:], other.ID) {
		if _, ok := s.Get(id); !ok {
			t.Errorf("session %s ended", id)
		}
	}
}
