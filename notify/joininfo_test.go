package notify

import (
	"strings"
	"testing"
)

func TestJoinInfoText(t *testing.T) {
	j := JoinInfo{
		Room:     "1000",
		RoomName: "Weekly sync",
		Link:     "https://meet.example.com/join/abc",
		PIN:      "4321",
		DialIn:   []DialIn{{Number: "+441632960000", Label: "London"}, {Number: "08081570000"}},
	}
	tests := []struct{ lang, want string }{
		{"en", `Join Weekly sync
Join from your browser: https://meet.example.com/join/abc
Works in Chrome, Edge, Safari and Firefox; no install needed.
Dial in: +441632960000 (London)
Dial in: 08081570000
Room number: 1000
PIN: 4321
`},
		{"fr-CA", `Rejoindre Weekly sync
Rejoindre depuis votre navigateur : https://meet.example.com/join/abc
Fonctionne dans Chrome, Edge, Safari et Firefox ; rien à installer.
Par téléphone : +441632960000 (London)
Par téléphone : 08081570000
Numéro de salle : 1000
Code PIN : 4321
`},
		{"xx", ""}, // filled below: unknown languages get English
	}
	tests[2].want = tests[0].want
	for _, tt := range tests {
		j.Language = tt.lang
		if got := j.Text(); got != tt.want {
			t.Errorf("Text() in %q:\n%s\nwant:\n%s", tt.lang, got, tt.want)
		}
	}
}

// TestJoinInfoTextMinimal checks that empty items are left out.
func TestJoinInfoTextMinimal(t *testing.T) {
	j := JoinInfo{Room: "1001", Language: "de"}
	want := "1001 beitreten\nRaumnummer: 1001\n"
	if got := j.Text(); got != want {
		t.Errorf("Text() = %q, want %q", got, want)
	}
}

func TestSMSText(t *testing.T) {
	tests := []struct{ lang, name, want string }{
		{"en", "Ann", "Ann, join Sync: https://m.example.com/join/t"},
		{"fr", "Ann", "Ann, rejoignez Sync : https://m.example.com/join/t"},
		{"en", "", "Join Sync: https://m.example.com/join/t"},
	}
	for _, tt := range tests {
		if got := SMSText(tt.lang, tt.name, "Sync", "https://m.example.com/join/t", ""); got != tt.want {
			t.Errorf("SMSText(%q, %q) = %q, want %q", tt.lang, tt.name, got, tt.want)
		}
	}
}

// TestJoinInfoSIPAddress: join info carries the room's SIP address, so
// that a SIP phone or app can join where no dial-in number is configured;
// so do the SMS text and the mail.
func TestJoinInfoSIPAddress(t *testing.T) {
	for _, tc := range []struct {
		lang string
		want string
	}{
		{"en", "Join 1000\nFrom a SIP phone or app: sip:1000@meet.example.com\nRoom number: 1000\n"},
		{"fr", "Rejoindre 1000\nDepuis un téléphone ou une application SIP : sip:1000@meet.example.com\nNuméro de salle : 1000\n"},
		{"de", "1000 beitreten\nVon einem SIP-Telefon oder einer SIP-App: sip:1000@meet.example.com\nRaumnummer: 1000\n"},
	} {
		j := JoinInfo{Room: "1000", SIPURI: "sip:1000@meet.example.com", Language: tc.lang}
		if got := j.Text(); got != tc.want {
			t.Errorf("%s: Text() = %q, want %q", tc.lang, got, tc.want)
		}
	}
	if got, want := SMSText("en", "Ann", "Sync", "https://m.example.com/join/t", "sip:1000@m.example.com"),
		"Ann, join Sync: https://m.example.com/join/t\nFrom a SIP phone or app: sip:1000@m.example.com"; got != want {
		t.Errorf("SMSText = %q, want %q", got, want)
	}
	// A text the SIP line would make longer than one SMS goes without it.
	long := "https://m.example.com/join/" + strings.Repeat("t", 80)
	if got, want := SMSText("en", "Ann", "Sync", long, "sip:1000@m.example.com"), "Ann, join Sync: "+long; got != want {
		t.Errorf("SMSText = %q, want %q", got, want)
	}
}
