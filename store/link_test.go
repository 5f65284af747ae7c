package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// linkToken returns a valid, distinct token for n: 16 bytes, base64url.
func linkToken(n int) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[8:], uint64(n))
	copy(b[:4], "tok!")
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// newRoomDB is newDB with rooms 1000 and 1001 already created.
func newRoomDB(t testing.TB) (*DB, *clock, string) {
	t.Helper()
	db, clk, path := newDB(t)
	for _, n := range []string{"1000", "1001"} {
		if err := db.CreateRoom(context.Background(), Room{Number: n}); err != nil {
			t.Fatal(err)
		}
	}
	return db, clk, path
}

func TestCreateLink(t *testing.T) {
	random := make([]byte, 32)
	if _, err := rand.Read(random); err != nil {
		t.Fatal(err)
	}
	guest := Link{Room: "1000", Kind: LinkGuest, Token: linkToken(1), Name: "Ada Lovelace",
		Email: "ada@example.org", Phone: "+447700900123", Language: "fr", Role: "attendee", Active: true,
		ValidFrom: ptr(t0.Add(time.Hour)), ValidUntil: ptr(t0.Add(48 * time.Hour))}
	group := Link{Room: "1000", Kind: LinkGroup, Token: linkToken(2), Name: "Partners",
		Description: "Quarterly review", Role: "spectator"}
	with := func(l Link, f func(*Link)) Link { f(&l); return l }
	for _, tc := range []struct {
		name    string
		link    Link
		wantErr error
	}{
		{"guest", guest, nil},
		{"group", group, nil},
		{"inactive no access", with(group, func(l *Link) { l.Role, l.Active = "no_access", false }), nil},
		{"256-bit token", with(group, func(l *Link) { l.Token = base64.RawURLEncoding.EncodeToString(random) }), nil},
		{"padded token", with(group, func(l *Link) { l.Token = base64.URLEncoding.EncodeToString(random[:16]) }), nil},
		{"until before from (expired before opening)", with(guest, func(l *Link) { l.ValidUntil = ptr(t0) }), nil},
		{"no room", with(guest, func(l *Link) { l.Room = "" }), ErrInvalid},
		{"unknown room", with(guest, func(l *Link) { l.Room = "404" }), ErrNotFound},
		{"no kind", with(guest, func(l *Link) { l.Kind = "" }), ErrInvalid},
		{"bad kind", with(guest, func(l *Link) { l.Kind = "Guest" }), ErrInvalid},
		{"no role", with(guest, func(l *Link) { l.Role = "" }), ErrInvalid},
		{"bad role", with(guest, func(l *Link) { l.Role = "admin" }), ErrInvalid},
		{"no token", with(guest, func(l *Link) { l.Token = "" }), ErrInvalid},
		{"short token (120 bits)", with(guest, func(l *Link) { l.Token = base64.RawURLEncoding.EncodeToString(random[:15]) }), ErrInvalid},
		{"standard base64 token", with(guest, func(l *Link) { l.Token = strings.Repeat("+/", 12) }), ErrInvalid},
		{"huge token", with(guest, func(l *Link) { l.Token = strings.Repeat("A", 300) }), ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db, _, _ := newRoomDB(t)
			got, err := db.CreateLink(ctx, tc.link)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("CreateLink: %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil {
				if tc.link.Token != "" && strings.Contains(err.Error(), tc.link.Token) {
					t.Errorf("the error shows the token: %v", err)
				}
				if all, _ := db.Links(ctx, ""); len(all) != 0 {
					t.Fatalf("a refused link was stored: %+v", all)
				}
				return
			}
			want := tc.link
			want.ID = got.ID
			want.ValidFrom, want.ValidUntil = utcPtr(want.ValidFrom), utcPtr(want.ValidUntil)
			want.CreatedAt, want.UpdatedAt = utc(t0), utc(t0)
			mustEqual(t, "returned link", got, want)
			byID, err := db.Link(ctx, got.ID)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "link by ID", byID, want)
			byToken, err := db.LinkByToken(ctx, tc.link.Token)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "link by token", byToken, want)

			again := tc.link
			again.Room = "1001"
			_, err = db.CreateLink(ctx, again)
			if !errors.Is(err, ErrExists) {
				t.Errorf("second CreateLink with the same token: %v, want ErrExists", err)
			} else if strings.Contains(err.Error(), tc.link.Token) {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}

func TestLinkNotFound(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newRoomDB(t)
	if _, err := db.Link(ctx, 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("Link: %v, want ErrNotFound", err)
	}
	if _, err := db.LinkByToken(ctx, linkToken(1)); !errors.Is(err, ErrNotFound) {
		t.Errorf("LinkByToken: %v, want ErrNotFound", err)
	}
	if _, err := db.UpdateLink(ctx, 1, func(*Link) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateLink: %v, want ErrNotFound", err)
	}
	if err := db.DeleteLink(ctx, 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteLink: %v, want ErrNotFound", err)
	}
	if links, err := db.Links(ctx, "404"); err != nil || len(links) != 0 {
		t.Errorf("Links of an unknown room: %v, %v; want none", links, err)
	}
}

func TestLinksOrderedByID(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newRoomDB(t)
	var want1000, wantAll []int64
	for i, room := range []string{"1001", "1000", "1001", "1000"} {
		l, err := db.CreateLink(ctx, Link{Room: room, Kind: LinkGroup, Token: linkToken(i), Role: "attendee"})
		if err != nil {
			t.Fatal(err)
		}
		wantAll = append(wantAll, l.ID)
		if room == "1000" {
			want1000 = append(want1000, l.ID)
		}
	}
	ids := func(room string) []int64 {
		links, err := db.Links(ctx, room)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, l := range links {
			if room != "" && l.Room != room {
				t.Errorf("Links(%q) returned a link of room %q", room, l.Room)
			}
			out = append(out, l.ID)
		}
		return out
	}
	mustEqual(t, "links of 1000", ids("1000"), want1000)
	mustEqual(t, "all links", ids(""), wantAll)
}

func TestUpdateLink(t *testing.T) {
	errBoom := errors.New("boom")
	later := utc(t0.Add(time.Minute))
	for _, tc := range []struct {
		name    string
		update  func(*Link) error
		wantErr error
		want    func(*Link) // applied to the original to get the result; nil = unchanged
	}{
		{
			name: "settings",
			update: func(l *Link) error {
				l.Name, l.Role, l.Active, l.Language = "Ada King", "moderator", false, "de"
				l.ValidFrom, l.ValidUntil = nil, ptr(t0.Add(time.Minute))
				return nil
			},
			want: func(l *Link) {
				l.Name, l.Role, l.Active, l.Language = "Ada King", "moderator", false, "de"
				l.ValidFrom, l.ValidUntil = nil, ptr(later)
				l.UpdatedAt = later
			},
		},
		{
			name:   "expire now, before it opened",
			update: func(l *Link) error { l.ValidUntil = ptr(t0.Add(time.Minute)); return nil },
			want:   func(l *Link) { l.ValidUntil = ptr(later); l.UpdatedAt = later },
		},
		{
			name: "store-managed fields are kept",
			update: func(l *Link) error {
				l.CreatedAt, l.UpdatedAt, l.Email = time.Unix(0, 0), time.Unix(0, 0), "x@y"
				return nil
			},
			want: func(l *Link) { l.Email = "x@y"; l.UpdatedAt = later },
		},
		{"callback error aborts", func(l *Link) error { l.Name = "x"; return errBoom }, errBoom, nil},
		{"pointer mutated then refused", func(l *Link) error { *l.ValidFrom = time.Unix(0, 0); return errBoom }, errBoom, nil},
		{"ID cannot change", func(l *Link) error { l.ID++; return nil }, ErrInvalid, nil},
		{"room cannot change", func(l *Link) error { l.Room = "1001"; return nil }, ErrInvalid, nil},
		{"kind cannot change", func(l *Link) error { l.Kind = LinkGroup; return nil }, ErrInvalid, nil},
		{"token cannot change", func(l *Link) error { l.Token = linkToken(99); return nil }, ErrInvalid, nil},
		{"invalid role", func(l *Link) error { l.Role = "root"; return nil }, ErrInvalid, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db, clk, _ := newRoomDB(t)
			orig, err := db.CreateLink(ctx, Link{Room: "1000", Kind: LinkGuest, Token: linkToken(1), Name: "Ada",
				Email: "ada@example.org", Language: "en", Role: "attendee", Active: true,
				ValidFrom: ptr(t0.Add(time.Hour)), ValidUntil: ptr(t0.Add(2 * time.Hour))})
			if err != nil {
				t.Fatal(err)
			}
			clk.advance(time.Minute)

			got, err := db.UpdateLink(ctx, orig.ID, tc.update)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("UpdateLink: %v, want %v", err, tc.wantErr)
			}
			want := orig
			want.ValidFrom, want.ValidUntil = ptr(*orig.ValidFrom), ptr(*orig.ValidUntil)
			if tc.want != nil {
				tc.want(&want)
			}
			if tc.wantErr == nil {
				mustEqual(t, "returned link", got, want)
			}
			stored, err := db.Link(ctx, orig.ID)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "stored link", stored, want)
		})
	}
}

func TestDeleteLink(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newRoomDB(t)
	var ids []int64
	for i := range 2 {
		l, err := db.CreateLink(ctx, Link{Room: "1000", Kind: LinkGuest, Token: linkToken(i), Role: "attendee"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.RecordInvitation(ctx, Invitation{LinkID: l.ID, Channel: ChannelEmail, To: "a@b"}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, l.ID)
	}
	if _, err := db.RecordJoin(ctx, Attendance{Room: "1000", Source: "guest_link", Address: fmt.Sprint(ids[0])}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteLink(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.LinkByToken(ctx, linkToken(0)); !errors.Is(err, ErrNotFound) {
		t.Errorf("LinkByToken after delete: %v, want ErrNotFound (the link is revoked)", err)
	}
	if err := db.DeleteLink(ctx, ids[0]); !errors.Is(err, ErrNotFound) {
		t.Errorf("second DeleteLink: %v, want ErrNotFound", err)
	}
	invs, _ := db.Invitations(ctx, "1000")
	if len(invs) != 1 || invs[0].LinkID != ids[1] {
		t.Errorf("invitations after deleting link %d: %+v, want only link %d's", ids[0], invs, ids[1])
	}
	if a, _ := db.Attendance(ctx, "1000"); len(a) != 1 {
		t.Errorf("attendance after deleting the link: %+v, want the record kept", a)
	}
}

// TestDeleteRoomDeletesLinks checks the cascade: a room's links and their
// invitations go with it; attendance, which names a link only by text, stays;
// another room's links are untouched.
func TestDeleteRoomDeletesLinks(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newRoomDB(t)
	for i, room := range []string{"1000", "1001"} {
		l, err := db.CreateLink(ctx, Link{Room: room, Kind: LinkGuest, Token: linkToken(i), Role: "attendee"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.RecordInvitation(ctx, Invitation{LinkID: l.ID, Channel: ChannelSMS, To: "+447700900123"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RecordJoin(ctx, Attendance{Room: room, Source: "guest_link", Address: fmt.Sprint(l.ID)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.DeleteRoom(ctx, "1000"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		what      string
		got, want int
	}{
		{"links of the deleted room", count(t, db, `SELECT COUNT(*) FROM links WHERE room = '1000'`), 0},
		{"invitation rows left", count(t, db, `SELECT COUNT(*) FROM invitations`), 1},
		{"links of the other room", count(t, db, `SELECT COUNT(*) FROM links WHERE room = '1001'`), 1},
		{"attendance of the deleted room (history is kept)", count(t, db, `SELECT COUNT(*) FROM attendance WHERE room = '1000'`), 1},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %d, want %d", tc.what, tc.got, tc.want)
		}
	}
	if _, err := db.LinkByToken(ctx, linkToken(0)); !errors.Is(err, ErrNotFound) {
		t.Errorf("LinkByToken of the deleted room's link: %v, want ErrNotFound", err)
	}
}

// count runs a COUNT(*) query on the read pool.
func count(t *testing.T, db *DB, query string) int {
	t.Helper()
	var n int
	if err := db.r.QueryRow(query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// importBatch returns n guest links for room 1000 with distinct tokens.
func importBatch(n int) []Link {
	links := make([]Link, n)
	for i := range links {
		links[i] = Link{Room: "1000", Kind: LinkGuest, Token: linkToken(i), Name: fmt.Sprintf("Guest %d", i),
			Email: fmt.Sprintf("guest%d@example.org", i), Language: "en", Role: "attendee", Active: true}
	}
	return links
}

func TestImportLinks(t *testing.T) {
	ctx := context.Background()
	db, clk, _ := newRoomDB(t)
	clk.advance(time.Second)
	links := importBatch(50)
	links[7].Room, links[7].Kind, links[7].ValidUntil = "1001", LinkGroup, ptr(t0.Add(time.Hour))
	got, err := db.ImportLinks(ctx, links)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(links) {
		t.Fatalf("ImportLinks returned %d links, want %d", len(got), len(links))
	}
	for i, l := range got {
		want := links[i]
		want.ID = l.ID
		want.ValidUntil = utcPtr(want.ValidUntil)
		want.CreatedAt, want.UpdatedAt = utc(t0.Add(time.Second)), utc(t0.Add(time.Second))
		mustEqual(t, fmt.Sprintf("returned link %d", i), l, want)
		if i > 0 && l.ID <= got[i-1].ID {
			t.Errorf("link %d has ID %d, not after %d", i, l.ID, got[i-1].ID)
		}
	}
	stored, err := db.Links(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "stored links", stored, got)

	if got, err := db.ImportLinks(ctx, nil); err != nil || got != nil {
		t.Errorf("ImportLinks(nil) = %v, %v; want nothing", got, err)
	}
}

// TestImportLinksAllOrNone makes one row in the middle of a batch fail, in
// validation or in the database: nothing is stored, and the error names the
// row.
func TestImportLinksAllOrNone(t *testing.T) {
	for _, tc := range []struct {
		name    string
		breakIt func(links []Link)
		wantErr error
	}{
		{"bad role", func(l []Link) { l[250].Role = "boss" }, ErrInvalid},
		{"short token", func(l []Link) { l[250].Token = "abc" }, ErrInvalid},
		{"unknown room", func(l []Link) { l[250].Room = "404" }, ErrNotFound},
		{"token repeated in the batch", func(l []Link) { l[250].Token = l[3].Token }, ErrExists},
		{"token of an existing link", func(l []Link) { l[250].Token = linkToken(-1) }, ErrExists},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db, _, _ := newRoomDB(t)
			if _, err := db.CreateLink(ctx, Link{Room: "1001", Kind: LinkGroup, Token: linkToken(-1), Role: "attendee"}); err != nil {
				t.Fatal(err)
			}
			links := importBatch(500)
			tc.breakIt(links)
			got, err := db.ImportLinks(ctx, links)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("ImportLinks: %v, want %v", err, tc.wantErr)
			}
			var ie *ImportError
			if !errors.As(err, &ie) || ie.Index != 250 {
				t.Errorf("ImportLinks: %v, want an *ImportError for link 250", err)
			}
			if got != nil {
				t.Errorf("ImportLinks returned %d links with its error", len(got))
			}
			if n := count(t, db, `SELECT COUNT(*) FROM links`); n != 1 {
				t.Errorf("%d links stored, want only the 1 from before the import", n)
			}
		})
	}
}

// BenchmarkImportLinks5000 imports a CSV's worth of guests, 5,000, into a
// file database: the issue wants this well under 2 s.
func BenchmarkImportLinks5000(b *testing.B) {
	ctx := context.Background()
	db, _, _ := newRoomDB(b)
	batches := make([][]Link, b.N)
	for n := range batches {
		batches[n] = importBatch(5000)
		for i := range batches[n] {
			batches[n][i].Token = linkToken(n*5000 + i)
		}
	}
	b.ResetTimer()
	for n := range b.N {
		if _, err := db.ImportLinks(ctx, batches[n]); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLinksPersist checks links, invitations and contacts survive a reopen.
func TestLinksPersist(t *testing.T) {
	ctx := context.Background()
	db, clk, path := newRoomDB(t)
	l, err := db.CreateLink(ctx, Link{Room: "1000", Kind: LinkGuest, Token: linkToken(100), Name: "Zoë",
		Email: "zoe@example.org", Phone: "+33612345678", Language: "fr", Role: "presenter", Active: true,
		ValidFrom: ptr(t0), ValidUntil: ptr(t0.Add(time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportLinks(ctx, importBatch(3)[1:]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordInvitation(ctx, Invitation{LinkID: l.ID, Channel: ChannelEmail, To: l.Email, Error: "550 no such user"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateContact(ctx, Contact{Owner: "2001", Name: "Élodie", Target: "#sip:elodie@10.0.0.7"}); err != nil {
		t.Fatal(err)
	}
	wantLinks, _ := db.Links(ctx, "")
	wantInv, _ := db.Invitations(ctx, "")
	wantContacts, _ := db.Contacts(ctx, "2001", "")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = reopen(t, path, WithClock(clk.now))
	links, _ := db.Links(ctx, "")
	mustEqual(t, "links", links, wantLinks)
	inv, _ := db.Invitations(ctx, "")
	mustEqual(t, "invitations", inv, wantInv)
	contacts, _ := db.Contacts(ctx, "2001", "")
	mustEqual(t, "contacts", contacts, wantContacts)
	if len(links) != 3 || len(inv) != 1 || len(contacts) != 1 {
		t.Fatalf("after reopen: %d links, %d invitations, %d contacts; want 3, 1, 1", len(links), len(inv), len(contacts))
	}
}

// migrationsUpTo returns the embedded migrations numbered up to version, as
// a database written by an older Parley would have had them.
func migrationsUpTo(t *testing.T, version int) fstest.MapFS {
	t.Helper()
	migs, err := loadMigrations(migrations)
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	for _, m := range migs {
		if m.version <= version {
			out["migrations/"+m.name] = &fstest.MapFile{Data: []byte(m.sql)}
		}
	}
	if len(out) != version {
		t.Fatalf("%d migrations up to version %d, want %d", len(out), version, version)
	}
	return out
}

// TestMigrateFromVersion1 opens, with this binary, a database written by a
// Parley that knew only 0001: its rooms are kept, and links, invitations and
// contacts work.
func TestMigrateFromVersion1(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	raw := openRaw(t, path)
	if err := migrate(ctx, raw, sqliteDialect, migrationsUpTo(t, 1), t0); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO rooms (number, name, created_at, updated_at) VALUES ('1000', 'Old room', 1, 1)`); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"links", "invitations", "contacts"} {
		if tableExists(t, raw, table) {
			t.Fatalf("table %s exists in a version 1 database", table)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	clk := &clock{t: t0.Add(time.Hour)}
	db, err := Open(path, WithClock(clk.now))
	if err != nil {
		t.Fatalf("Open a version 1 database: %v", err)
	}
	defer db.Close()
	room, err := db.Room(ctx, "1000")
	if err != nil || room.Name != "Old room" {
		t.Fatalf("room after migration: %+v, %v", room, err)
	}
	l, err := db.CreateLink(ctx, Link{Room: "1000", Kind: LinkGroup, Token: linkToken(1), Role: "attendee", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordInvitation(ctx, Invitation{LinkID: l.ID, Channel: ChannelEmail, To: "a@b"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateContact(ctx, Contact{Name: "Reception", Target: "2000"}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteRoom(ctx, "1000"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM invitations`); n != 0 {
		t.Errorf("%d invitations left after deleting the migrated room, want 0", n)
	}
	mustEqual(t, "schema versions", versions(t, db.r), map[int]int64{1: ms(t0), 2: ms(t0.Add(time.Hour)), 3: ms(t0.Add(time.Hour)), 4: ms(t0.Add(time.Hour)), 5: ms(t0.Add(time.Hour)), 6: ms(t0.Add(time.Hour)), 7: ms(t0.Add(time.Hour)), 8: ms(t0.Add(time.Hour))})
}
