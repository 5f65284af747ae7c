package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/store"
)

// postCSV sends body as text/csv to the import of room 2000.
func postCSV(t *testing.T, srv *httptest.Server, query, contentType, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", srv.URL+"/api/v1/rooms/2000/links/import"+query, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

func TestImportLinks(t *testing.T) {
	e := newLinkEnv(t)
	csv := "\ufeffName,Email,Role,Language\r\n" +
		"Ada Lovelace,ada@example.com,presenter,fr\r\n" +
		"\"Hopper, Grace\",grace@example.com,,\r\n" +
		"\"Multi\nline\",multi@example.com,spectator,de\r\n"
	code, body := postCSV(t, e.srv, "?send_email=true", "text/csv; charset=utf-8", csv)
	if code != http.StatusCreated {
		t.Fatalf("import: %d %s", code, body)
	}
	r := decode[ImportResponse](t, body)
	if r.Imported != 3 || len(r.Links) != 3 || r.Links[0].Name != "Ada Lovelace" || r.Links[0].Role != "presenter" ||
		r.Links[0].Language != "fr" || r.Links[1].Name != "Hopper, Grace" || r.Links[1].Role != "attendee" ||
		r.Links[2].Name != "Multi\nline" || r.Links[0].Kind != "guest" || r.Links[0].URL == "" {
		t.Errorf("imported %+v", r)
	}
	if len(r.Invitations) != 3 || len(e.mail.all()) != 3 || e.mail.all()[1].To != "grace@example.com" {
		t.Errorf("invitations %+v", r.Invitations)
	}
	if links, _ := e.db.Links(context.Background(), "2000"); len(links) != 3 {
		t.Errorf("%d links stored", len(links))
	}
}

func TestImportLinksAllOrNone(t *testing.T) {
	e := newLinkEnv(t)
	csv := "name,email,role,language\n" +
		"Ada,ada@example.com,attendee,en\n" + // line 2: good
		"Bob,not-an-address,attendee,en\n" + // line 3
		",nameless@example.com,,\n" + // line 4
		"Carl,carl@example.com,boss,en\n" + // line 5
		"Dora,dora@example.com,no_access,xx\n" + // line 6: two reasons
		"Ed,ADA@example.com,,\n" + // line 7: same email as line 2
		"Fay,fay@example.com\n" + // line 8: short
		"Gus,gus@example.com,,\xff\n" // line 9: not UTF-8
	code, body := postCSV(t, e.srv, "", "text/csv", csv)
	got := decode[Error](t, body)
	if code != 400 || got.Field != "csv" || !strings.Contains(got.Message, "nothing was imported") {
		t.Fatalf("import: %d %s", code, body)
	}
	want := map[int]string{3: "email", 4: "name", 5: "role", 6: "role|language", 7: "already on line 2", 8: "fields", 9: "UTF-8"}
	lines := make(map[int]int)
	for _, row := range got.Rows {
		lines[row.Line]++
		ok := false
		for _, w := range strings.Split(want[row.Line], "|") {
			ok = ok || strings.Contains(row.Field+" "+row.Error, w)
		}
		if !ok {
			t.Errorf("line %d: %+v, want %q", row.Line, row, want[row.Line])
		}
	}
	if len(lines) != len(want) || lines[6] != 2 {
		t.Errorf("rows %+v, want lines %v (line 6 twice)", got.Rows, want)
	}
	if links, _ := e.db.Links(context.Background(), "2000"); len(links) != 0 {
		t.Errorf("%d links stored by a refused import", len(links))
	}
	if len(e.mail.all()) != 0 {
		t.Error("a refused import sent mail")
	}
}

func TestImportLinksRefused(t *testing.T) {
	e := newLinkEnv(t)
	many := "name,email,role,language\n" + strings.Repeat("A,a@example.com,,\n", MaxImportRows+1)
	for _, tc := range []struct {
		name, query, ct, body string
		code                  int
		field, msg            string
	}{
		{"json", "", "application/json", `{}`, 415, "Content-Type", "text/csv"},
		{"no content type", "", "", "name,email,role,language\n", 415, "Content-Type", "text/csv"},
		{"empty", "", "text/csv", "", 400, "csv", "empty"},
		{"header only", "", "text/csv", "name,email,role,language\r\n", 400, "csv", "only its header"},
		{"no header", "", "text/csv", "Ada,ada@example.com,attendee,en\n", 400, "csv", "unknown column"},
		{"missing column", "", "text/csv", "name,email,role\nAda,a@example.com,\n", 400, "csv", "no language column"},
		{"twice", "", "text/csv", "name,email,role,language,name\n", 400, "csv", "twice"},
		{"bad quotes", "", "text/csv", "name,email,role,language\n\"Ada\"x,a@example.com,,\n", 400, "csv", "1 line is bad"},
		{"too many", "", "text/csv", many, 400, "csv", "more than 5000"},
		{"send_email junk", "?send_email=yes", "text/csv", "name,email,role,language\n", 400, "send_email", "true or false"},
		{"unknown parameter", "?dry_run=true", "text/csv", "name,email,role,language\n", 400, "dry_run", "unknown query parameter"},
	} {
		code, body := postCSV(t, e.srv, tc.query, tc.ct, tc.body)
		got := decode[Error](t, body)
		if code != tc.code || got.Field != tc.field || !strings.Contains(got.Message, tc.msg) {
			t.Errorf("%s: %d %.300s, want %d naming %s with %q", tc.name, code, body, tc.code, tc.field, tc.msg)
		}
	}
	// send_email without a mailer: 503 before anything is stored.
	bare := newStoreEnv(t)
	code, body := postCSV(t, bare.srv, "?send_email=true", "text/csv", "name,email,role,language\nAda,ada@example.com,,\n")
	if code != 503 || decode[Error](t, body).Field != "send_email" {
		t.Errorf("send_email without a mailer: %d %s", code, body)
	}
	if links, _ := bare.db.Links(context.Background(), "2000"); len(links) != 0 {
		t.Errorf("%d links stored", len(links))
	}
}

// guestCSV is a guest file of n good rows.
func guestCSV(n int) string {
	var b strings.Builder
	b.WriteString("name,email,role,language\r\n")
	for i := range n {
		fmt.Fprintf(&b, "Guest %d,guest%d@example.com,attendee,en\r\n", i, i)
	}
	return b.String()
}

// BenchmarkImport5000 parses, checks and stores 5,000 guests, as POST
// …/links/import does (without HTTP), into a fresh SQLite store each time.
func BenchmarkImport5000(b *testing.B) {
	data := []byte(guestCSV(MaxImportRows))
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		db, err := store.Open(filepath.Join(b.TempDir(), "parley.db"))
		if err != nil {
			b.Fatal(err)
		}
		if err := db.CreateRoom(ctx, store.Room{Number: "2000", GuestRole: "attendee"}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		links, _, err := parseGuests(data, bridge.RoleAttendee)
		if err != nil {
			b.Fatal(err)
		}
		for i := range links {
			links[i].Room, links[i].Token = "2000", newLinkToken()
		}
		if out, err := db.ImportLinks(ctx, links); err != nil || len(out) != MaxImportRows {
			b.Fatal(len(out), err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
}

// BenchmarkImport5000HTTP is BenchmarkImport5000 through the API.
func BenchmarkImport5000HTTP(b *testing.B) {
	body := guestCSV(MaxImportRows)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		db, err := store.Open(filepath.Join(b.TempDir(), "parley.db"))
		if err != nil {
			b.Fatal(err)
		}
		if err := db.CreateRoom(ctx, store.Room{Number: "2000", GuestRole: "attendee"}); err != nil {
			b.Fatal(err)
		}
		br, err := bridge.New(bridge.Options{Rooms: []bridge.RoomSettings{{Number: "2000"}}, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		h := NewHandler(Options{Bridge: br, Stores: StoresOf(db), AdminTokens: []string{testToken}, Logger: slog.New(slog.DiscardHandler)})
		req := httptest.NewRequest("POST", "/api/v1/rooms/2000/links/import", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "text/csv")
		rec := httptest.NewRecorder()
		b.StartTimer()
		h.ServeHTTP(rec, req)
		b.StopTimer()
		if rec.Code != http.StatusCreated {
			b.Fatalf("%d %.300s", rec.Code, rec.Body.String())
		}
		br.Close()
		db.Close()
		b.StartTimer()
	}
}

// TestImportCountsLines: one line with three bad fields is one bad line,
// named once in the message with all three problems; the rows name each.
func TestImportCountsLines(t *testing.T) {
	e := newLinkEnv(t)
	for _, tc := range []struct {
		name, body string
		msg        []string
		rows       int
	}{
		{"one line three faults", "name,email,role,language\nAda,ada@example.com,,\n,not-an-email,boss,xx-nope\n",
			[]string{"1 line is bad", "line 3: name is empty; email", "; role", "; language"}, 4},
		{"two lines", "name,email,role,language\n,ada@example.com,,\nBob,,,\n",
			[]string{"2 lines are bad", "line 2: name is empty", "line 3: email is empty"}, 2},
	} {
		code, body := postCSV(t, e.srv, "", "text/csv", tc.body)
		got := decode[Error](t, body)
		if code != 400 || len(got.Rows) != tc.rows {
			t.Errorf("%s: %d %s, want 400 with %d rows", tc.name, code, body, tc.rows)
		}
		for _, m := range tc.msg {
			if !strings.Contains(got.Message, m) {
				t.Errorf("%s: message %q lacks %q", tc.name, got.Message, m)
			}
		}
	}
}
