package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLinkCommands(t *testing.T) {
	url, _ := newStoreAPIServer(t)
	t.Setenv("PARLEY_API", url)
	t.Setenv("PARLEY_TOKEN", cliToken)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.csv")
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(good, []byte("name,email,role,language\nAda,ada@example.com,presenter,fr\nBob,bob@example.com,,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("name,email,role,language\nAda,ada@example.com,,\nBob,nope,,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []cliCase{
		{name: "none yet", args: []string{"links", "1000"}, stdout: []string{"room 1000: no links"}},
		{name: "guest", args: []string{"link", "1000", "--name", "Ada", "--email", "ada@example.com"},
			stdout: []string{"guest link 1 for room 1000: http://127.0.0.1:", "/join/"}},
		{name: "group", args: []string{"link", "1000", "--kind", "group", "--name", "All", "--description", "Mondays"},
			stdout: []string{"group link 2"}},
		{name: "bad email", args: []string{"link", "1000", "--name", "X", "--email", "nope"}, code: 1,
			stderr: []string{"400 Bad Request", "(field email)"}},
		{name: "no mailer", args: []string{"link", "1000", "--name", "X", "--email", "x@example.com", "--send-email"}, code: 1,
			stderr: []string{"503", "email is not configured"}},
		{name: "link usage", args: []string{"link"}, code: 2, stderr: []string{"usage: parley link ROOM"}},
		{name: "import", args: []string{"import-guests", "1000", good}, stdout: []string{"2 guests imported into room 1000"}},
		{name: "import bad", args: []string{"import-guests", "1000", bad}, code: 1,
			stderr: []string{"(field csv)", bad + ":3: email \"nope\""}},
		{name: "list", args: []string{"links", "1000"}, stdout: []string{"ID", "STATE", "Ada", "All", "group", "valid"}},
		{name: "attendees", args: []string{"attendees", "1000"},
			stdout: []string{"\ufeffname,role,came_by", "Ada,attendee,invited (not joined),ada@example.com"}},
		{name: "join info", args: []string{"join-info", "1000", "--link", "1", "--lang", "fr"}, stdout: []string{"Weekly sync", "/join/"}},
		{name: "contacts add", args: []string{"contacts", "add", "Reception", "#sip:@192.0.2.10"},
			stdout: []string{"Reception → #sip:@192.0.2.10 (sip-direct)"}},
		{name: "contacts", args: []string{"contacts", "--q", "recep"}, stdout: []string{"Reception", "#sip:@192.0.2.10"}},
		{name: "contacts bad", args: []string{"contacts", "add", "X", "nowhere"}, code: 1, stderr: []string{"(field target)"}},
		{name: "contacts delete", args: []string{"contacts", "delete", "1"}},
		{name: "help", args: []string{"help"}, stdout: []string{"parley import-guests ROOM FILE.csv", "parley contacts"}},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.run(t) })
	}
}
