package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestCreateContact(t *testing.T) {
	for _, tc := range []struct {
		name     string
		existing []Contact
		c        Contact
		wantErr  error
	}{
		{"global", nil, Contact{Name: "Reception", Target: "2000"}, nil},
		{"own, explicit time", nil, Contact{Owner: "2001", Name: "Alice", Target: "#sip:alice@10.0.0.7", CreatedAt: t0.Add(-time.Hour)}, nil},
		{"h323 target", nil, Contact{Name: "Board room", Target: "#h323:@10.0.0.9"}, nil},
		{"same name, other owner", []Contact{{Owner: "2001", Name: "Alice", Target: "1"}}, Contact{Owner: "2002", Name: "Alice", Target: "2"}, nil},
		{"own shadows global", []Contact{{Name: "Alice", Target: "1"}}, Contact{Owner: "2001", Name: "alice", Target: "2"}, nil},
		{"same owner and name", []Contact{{Owner: "2001", Name: "Alice", Target: "1"}}, Contact{Owner: "2001", Name: "Alice", Target: "2"}, ErrExists},
		{"same name in another case", []Contact{{Name: "Alice", Target: "1"}}, Contact{Name: "ALICE", Target: "2"}, ErrExists},
		{"same name in another case, beyond ASCII", []Contact{{Name: "Élodie", Target: "1"}}, Contact{Name: "élodie", Target: "2"}, ErrExists},
		{"no name", nil, Contact{Target: "2000"}, ErrInvalid},
		{"blank name", nil, Contact{Name: "  ", Target: "2000"}, ErrInvalid},
		{"no target", nil, Contact{Name: "Reception"}, ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db, _, _ := newDB(t)
			for _, c := range tc.existing {
				if _, err := db.CreateContact(ctx, c); err != nil {
					t.Fatal(err)
				}
			}
			got, err := db.CreateContact(ctx, tc.c)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("CreateContact: %v, want %v", err, tc.wantErr)
			}
			if n := count(t, db, `SELECT COUNT(*) FROM contacts`); tc.wantErr != nil && n != len(tc.existing) {
				t.Fatalf("a refused contact was stored: %d contacts", n)
			}
			if tc.wantErr != nil {
				return
			}
			want := tc.c
			want.ID = got.ID
			if want.CreatedAt.IsZero() {
				want.CreatedAt = t0
			}
			want.CreatedAt = utc(want.CreatedAt)
			mustEqual(t, "returned contact", got, want)
			byName, err := db.ContactByName(ctx, tc.c.Owner, tc.c.Name)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "contact by name", byName, want)
		})
	}
}

// TestContactsLookup checks who sees what, the search and the order, and
// that an extension's own contact comes before a global one of the same name.
// The order is by code point of the lower-cased name, so "élodie" sorts after
// "reception".
func TestContactsLookup(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	for _, c := range []Contact{
		{Name: "Reception", Target: "2000"},
		{Name: "alice", Target: "#sip:alice@pbx.example.org"},
		{Owner: "2001", Name: "Alice", Target: "#sip:alice@10.0.0.7"},
		{Owner: "2001", Name: "Bob", Target: "+441632960100"},
		{Owner: "2002", Name: "Carol", Target: "2003"},
		{Name: "Élodie", Target: "#h323:@10.0.0.9"},
	} {
		if _, err := db.CreateContact(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	type seen struct{ Owner, Name string }
	for _, tc := range []struct {
		owner, query string
		want         []seen
	}{
		{"2001", "", []seen{{"2001", "Alice"}, {"", "alice"}, {"2001", "Bob"}, {"", "Reception"}, {"", "Élodie"}}},
		{"", "", []seen{{"", "alice"}, {"", "Reception"}, {"", "Élodie"}}},
		{"2002", "", []seen{{"", "alice"}, {"2002", "Carol"}, {"", "Reception"}, {"", "Élodie"}}},
		{"2001", "ALI", []seen{{"2001", "Alice"}, {"", "alice"}}},
		{"2001", "10.0.0", []seen{{"2001", "Alice"}, {"", "Élodie"}}},
		{"2001", "ÉLO", []seen{{"", "Élodie"}}},
		{"2001", "+44", []seen{{"2001", "Bob"}}},
		{"2001", "carol", nil},
		{"2001", "%", nil},
		{"9999", "", []seen{{"", "alice"}, {"", "Reception"}, {"", "Élodie"}}},
	} {
		t.Run(tc.owner+"/"+tc.query, func(t *testing.T) {
			got, err := db.Contacts(ctx, tc.owner, tc.query)
			if err != nil {
				t.Fatal(err)
			}
			var names []seen
			for _, c := range got {
				names = append(names, seen{c.Owner, c.Name})
			}
			mustEqual(t, "contacts", names, tc.want)
		})
	}

	for _, tc := range []struct {
		owner, name string
		want        string // target; "" = ErrNotFound
	}{
		{"2001", "ALICE", "#sip:alice@10.0.0.7"},
		{"2002", "Alice", "#sip:alice@pbx.example.org"},
		{"", "alice", "#sip:alice@pbx.example.org"},
		{"2001", "élodie", "#h323:@10.0.0.9"},
		{"2001", "Carol", ""},
		{"2002", "Carol", "2003"},
		{"", "Carol", ""},
		{"2001", "Ali", ""},
	} {
		t.Run("by name "+tc.owner+"/"+tc.name, func(t *testing.T) {
			c, err := db.ContactByName(ctx, tc.owner, tc.name)
			if tc.want == "" {
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("ContactByName: %+v, %v; want ErrNotFound", c, err)
				}
				return
			}
			if err != nil || c.Target != tc.want {
				t.Fatalf("ContactByName: %+v, %v; want target %q", c, err, tc.want)
			}
		})
	}
}

func TestDeleteContact(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	c, err := db.CreateContact(ctx, Contact{Owner: "2001", Name: "Alice", Target: "2002"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteContact(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ContactByName(ctx, "2001", "Alice"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ContactByName after delete: %v, want ErrNotFound", err)
	}
	if err := db.DeleteContact(ctx, c.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second DeleteContact: %v, want ErrNotFound", err)
	}
	// The name is free again.
	if _, err := db.CreateContact(ctx, Contact{Owner: "2001", Name: "alice", Target: "2003"}); err != nil {
		t.Errorf("CreateContact after delete: %v", err)
	}
}
