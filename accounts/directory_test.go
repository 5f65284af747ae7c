package accounts

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
)

// fakeSearcher answers every query with its users, counting the calls,
// or is down.
type fakeSearcher struct {
	users []User
	down  bool
	calls int
	words [][]string
}

func (s *fakeSearcher) Search(_ context.Context, words []string, limit int) ([]User, error) {
	s.calls++
	s.words = append(s.words, words)
	if s.down {
		return nil, fmt.Errorf("%w: dial tcp: connection refused", ErrUnavailable)
	}
	var out []User
	for _, u := range s.users {
		if len(out) < limit && matches(u, words) {
			out = append(out, u)
		}
	}
	return out, nil
}

func logins(us []User) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.Source+":"+u.Login)
	}
	return out
}

func TestFinderSearch(t *testing.T) {
	local := []LocalUser{
		{Login: "2001", Name: "Alice Smith", Email: "alice@example.com", Extension: "2001"},
		{Login: "2002", Name: "Bob Jones", Extension: "2002", Phone: "+441234"},
		{Login: "2002", Name: "Duplicate"},
		{Login: "bob", Name: "Local Bob"},
	}
	dir := &fakeSearcher{users: []User{
		{Login: "bob", Name: "Bob Baker", Source: "ldap"}, // a local user has this login
		{Login: "carol", Name: "Carol Castro", Source: "ldap"},
	}}
	f := NewFinder(local, dir, 0, 0, nil)
	for _, tt := range []struct {
		q     string
		limit int
		want  []string
	}{
		{"alice", 20, []string{"local:2001"}},
		{"  SMITH  ", 20, []string{"local:2001"}},
		{"example.com", 20, []string{"local:2001"}},
		{"200", 20, []string{"local:2001", "local:2002"}},
		{"200", 1, []string{"local:2001"}},
		{"1234", 20, []string{"local:2002"}},
		{"bob jones", 20, []string{"local:2002"}},
		{"Jones Bob", 20, []string{"local:2002"}},
		{"bob", 20, []string{"local:2002", "local:bob"}}, // the directory's bob is the local one
		{"car", 20, []string{"ldap:carol"}},
		{"duplicate", 20, []string{}},
		{"", 20, []string{}},
		{"   ", 20, []string{}},
	} {
		got, err := f.Search(context.Background(), tt.q, tt.limit)
		if err != nil {
			t.Fatalf("%q: %v", tt.q, err)
		}
		if g := logins(got); !reflect.DeepEqual(g, tt.want) {
			t.Errorf("Search(%q, %d) = %v, want %v", tt.q, tt.limit, g, tt.want)
		}
	}
	if !slices.ContainsFunc(dir.words, func(w []string) bool { return slices.Equal(w, []string{"jones", "bob"}) }) {
		t.Errorf("directory asked %q, never the lowercase words of \"Jones Bob\"", dir.words)
	}
}

// TestFinderCache checks that a query's directory answer is reused while
// fresh (whatever the case and spacing of the query), asked again once
// stale, that errors are not kept and that the cache stays bounded.
func TestFinderCache(t *testing.T) {
	now := time.Unix(1000, 0)
	dir := &fakeSearcher{users: []User{{Login: "carol", Name: "Carol", Source: "ldap"}}}
	f := NewFinder(nil, dir, 30*time.Second, 2, func() time.Time { return now })
	ask := func(q string) {
		t.Helper()
		if got, err := f.Search(context.Background(), q, 10); err != nil || len(got) != 1 {
			t.Fatalf("Search(%q) = %v, %v", q, got, err)
		}
	}
	ask("carol")
	ask(" CAROL ")
	if dir.calls != 1 {
		t.Fatalf("directory asked %d times, want 1 (cache hit)", dir.calls)
	}
	now = now.Add(31 * time.Second)
	ask("carol")
	if dir.calls != 2 {
		t.Fatalf("directory asked %d times after the ttl, want 2", dir.calls)
	}
	ask("car")
	ask("ca") // the cache holds 2: the oldest goes
	if n := len(f.cache.m); n != 2 {
		t.Errorf("cache holds %d answers, want 2", n)
	}
	dir.down = true
	now = now.Add(time.Minute)
	if _, err := f.Search(context.Background(), "carol", 10); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("down: err %v", err)
	}
	dir.down = false
	calls := dir.calls
	ask("carol")
	if dir.calls != calls+1 {
		t.Errorf("an error was cached")
	}
}

// TestFinderUnavailable checks that local users are still found when the
// directory is down, with an error wrapping ErrUnavailable.
func TestFinderUnavailable(t *testing.T) {
	f := NewFinder([]LocalUser{{Login: "2001", Name: "Alice"}}, &fakeSearcher{down: true}, 0, 0, nil)
	got, err := f.Search(context.Background(), "alice", 5)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err %v, want ErrUnavailable", err)
	}
	if g := logins(got); !reflect.DeepEqual(g, []string{"local:2001"}) {
		t.Errorf("got %v", g)
	}
}
