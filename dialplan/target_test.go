package dialplan

import (
	"errors"
	"strings"
	"testing"
)

// TestParseTargetAccepts checks every accepted form, its normalised fields
// and its canonical String.
func TestParseTargetAccepts(t *testing.T) {
	tests := []struct {
		in    string
		want  Target // Raw is filled in from in
		canon string
	}{
		// Extensions: 2 to 6 digits.
		{"2001", Target{Kind: KindExtension, Number: "2001"}, "2001"},
		{"20", Target{Kind: KindExtension, Number: "20"}, "20"},
		{"123456", Target{Kind: KindExtension, Number: "123456"}, "123456"},
		{" 2001 ", Target{Kind: KindExtension, Number: "2001"}, "2001"},
		{"20-01", Target{Kind: KindExtension, Number: "2001"}, "2001"},

		// E.164 numbers.
		{"+441632960123", Target{Kind: KindNumber, Number: "+441632960123"}, "+441632960123"},
		{"+44 1632 960123", Target{Kind: KindNumber, Number: "+441632960123"}, "+441632960123"},
		{"+44 (0)1632 960123", Target{Kind: KindNumber, Number: "+441632960123"}, "+441632960123"},
		{"+44(0)1632-960-123", Target{Kind: KindNumber, Number: "+441632960123"}, "+441632960123"},
		{"+1 (202) 555.0143", Target{Kind: KindNumber, Number: "+12025550143"}, "+12025550143"},
		{"+12345678", Target{Kind: KindNumber, Number: "+12345678"}, "+12345678"},
		{"+123456789012345", Target{Kind: KindNumber, Number: "+123456789012345"}, "+123456789012345"},

		// National numbers, kept as typed.
		{"01632960123", Target{Kind: KindNumber, Number: "01632960123"}, "01632960123"},
		{"01632 960123", Target{Kind: KindNumber, Number: "01632960123"}, "01632960123"},
		{"(01632) 960-123", Target{Kind: KindNumber, Number: "01632960123"}, "01632960123"},
		{"(0)1632 960123", Target{Kind: KindNumber, Number: "01632960123"}, "01632960123"},
		{"1234567", Target{Kind: KindNumber, Number: "1234567"}, "1234567"},
		{"0044 1632 960123", Target{Kind: KindNumber, Number: "00441632960123"}, "00441632960123"},

		// Direct SIP endpoints.
		{"#sip:@192.0.2.10", Target{Kind: KindSIPDirect, Host: "192.0.2.10", Port: 5060}, "#sip:@192.0.2.10"},
		{"#sip:@192.0.2.10:5062", Target{Kind: KindSIPDirect, Host: "192.0.2.10", Port: 5062}, "#sip:@192.0.2.10:5062"},
		{"#sip:@192.0.2.10:5060", Target{Kind: KindSIPDirect, Host: "192.0.2.10", Port: 5060}, "#sip:@192.0.2.10"},
		{"#sip:bob@192.0.2.10:5062", Target{Kind: KindSIPDirect, User: "bob", Host: "192.0.2.10", Port: 5062}, "#sip:bob@192.0.2.10:5062"},
		{"#sip:@[2001:db8::1]:5060", Target{Kind: KindSIPDirect, Host: "2001:db8::1", Port: 5060}, "#sip:@[2001:db8::1]"},
		{"#sip:@[2001:DB8:0::1]", Target{Kind: KindSIPDirect, Host: "2001:db8::1", Port: 5060}, "#sip:@[2001:db8::1]"},
		{"#sip:@PBX.Example.com:5070", Target{Kind: KindSIPDirect, Host: "pbx.example.com", Port: 5070}, "#sip:@pbx.example.com:5070"},
		{"#SIP:Bob@host-1.example", Target{Kind: KindSIPDirect, User: "Bob", Host: "host-1.example", Port: 5060}, "#sip:Bob@host-1.example"},
		{"#sip:+441632960123@192.0.2.10", Target{Kind: KindSIPDirect, User: "+441632960123", Host: "192.0.2.10", Port: 5060}, "#sip:+441632960123@192.0.2.10"},
		{"#sip:bob%20s@192.0.2.10:65535", Target{Kind: KindSIPDirect, User: "bob%20s", Host: "192.0.2.10", Port: 65535}, "#sip:bob%20s@192.0.2.10:65535"},
		{"#sip:@192.0.2.10:1", Target{Kind: KindSIPDirect, Host: "192.0.2.10", Port: 1}, "#sip:@192.0.2.10:1"},

		// Hosts brought to one spelling (canonicalHost).
		{"#sip:@192.000.2.1", Target{Kind: KindSIPDirect, Host: "192.0.2.1", Port: 5060}, "#sip:@192.0.2.1"},
		{"#sip:@host.example.", Target{Kind: KindSIPDirect, Host: "host.example", Port: 5060}, "#sip:@host.example"},
		{"#sip:@LocalHost.", Target{Kind: KindSIPDirect, Host: "localhost", Port: 5060}, "#sip:@localhost"},
		{"#sip:@[::ffff:127.0.0.1]:5070", Target{Kind: KindSIPDirect, Host: "127.0.0.1", Port: 5070}, "#sip:@127.0.0.1:5070"},
		{"#sip:@[::FFFF:7f00:1]", Target{Kind: KindSIPDirect, Host: "127.0.0.1", Port: 5060}, "#sip:@127.0.0.1"},
		{"#sip:@2130706433", Target{Kind: KindSIPDirect, Host: "127.0.0.1", Port: 5060}, "#sip:@127.0.0.1"},
		{"#sip:@0177.0.0.1", Target{Kind: KindSIPDirect, Host: "127.0.0.1", Port: 5060}, "#sip:@127.0.0.1"},
		{"#sip:@0x7f.1", Target{Kind: KindSIPDirect, Host: "127.0.0.1", Port: 5060}, "#sip:@127.0.0.1"},
		{"#sip:@0X7F000001", Target{Kind: KindSIPDirect, Host: "127.0.0.1", Port: 5060}, "#sip:@127.0.0.1"},
		{"#sip:@127.1", Target{Kind: KindSIPDirect, Host: "127.0.0.1", Port: 5060}, "#sip:@127.0.0.1"},
		{"#sip:@127.0.1", Target{Kind: KindSIPDirect, Host: "127.0.0.1", Port: 5060}, "#sip:@127.0.0.1"},
		{"#sip:@%31%32%37.0.0.1", Target{Kind: KindSIPDirect, Host: "127.0.0.1", Port: 5060}, "#sip:@127.0.0.1"},
		{"#sip:@sbc%2Eexample%2enet", Target{Kind: KindSIPDirect, Host: "sbc.example.net", Port: 5060}, "#sip:@sbc.example.net"},

		// SIP URIs.
		{"sip:bob@example.com", Target{Kind: KindSIPURI, User: "bob", Host: "example.com", URI: "sip:bob@example.com"}, "sip:bob@example.com"},
		{"sip:bob@example.com:5080;transport=tcp", Target{Kind: KindSIPURI, User: "bob", Host: "example.com", Port: 5080, Transport: "tcp", URI: "sip:bob@example.com:5080;transport=tcp"}, "sip:bob@example.com:5080;transport=tcp"},
		{"SIP:Bob@Example.COM;Transport=TLS;lr", Target{Kind: KindSIPURI, User: "Bob", Host: "example.com", Transport: "tls", URI: "sip:Bob@example.com;Transport=TLS;lr"}, "sip:Bob@example.com;Transport=TLS;lr"},
		{"sips:alice@example.com", Target{Kind: KindSIPURI, User: "alice", Host: "example.com", URI: "sips:alice@example.com"}, "sips:alice@example.com"},
		{"sip:example.com", Target{Kind: KindSIPURI, Host: "example.com", URI: "sip:example.com"}, "sip:example.com"},
		{"sip:bob@[2001:db8::2]:5080", Target{Kind: KindSIPURI, User: "bob", Host: "2001:db8::2", Port: 5080, URI: "sip:bob@[2001:db8::2]:5080"}, "sip:bob@[2001:db8::2]:5080"},
		{"sip:+441632960123;phone-context=example.com@gw.example.com;user=phone", Target{Kind: KindSIPURI, User: "+441632960123;phone-context=example.com", Host: "gw.example.com", URI: "sip:+441632960123;phone-context=example.com@gw.example.com;user=phone"}, "sip:+441632960123;phone-context=example.com@gw.example.com;user=phone"},
		{"sip:bob@192.0.2.30:05060", Target{Kind: KindSIPURI, User: "bob", Host: "192.0.2.30", Port: 5060, URI: "sip:bob@192.0.2.30:5060"}, "sip:bob@192.0.2.30:5060"},

		// H.323.
		{"#h323:@192.0.2.20", Target{Kind: KindH323, Host: "192.0.2.20", Port: 1720}, "#h323:@192.0.2.20"},
		{"#h323:@192.0.2.20:1721", Target{Kind: KindH323, Host: "192.0.2.20", Port: 1721}, "#h323:@192.0.2.20:1721"},
		{"#H323:room7@gk.example.com", Target{Kind: KindH323, User: "room7", Host: "gk.example.com", Port: 1720}, "#h323:room7@gk.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTarget(tt.in)
			if err != nil {
				t.Fatalf("ParseTarget(%q): %v", tt.in, err)
			}
			want := tt.want
			want.Raw = tt.in
			if got != want {
				t.Errorf("ParseTarget(%q)\n got %+v\nwant %+v", tt.in, got, want)
			}
			if s := got.String(); s != tt.canon {
				t.Errorf("String() = %q, want %q", s, tt.canon)
			}
			again, err := ParseTarget(got.String())
			if err != nil {
				t.Fatalf("re-parse %q: %v", got.String(), err)
			}
			again.Raw = got.Raw
			if again != got {
				t.Errorf("re-parse %q\n got %+v\nwant %+v", got.String(), again, got)
			}
		})
	}
}

// TestParseTargetRefuses checks that bad input is refused with a message
// that names the problem and the accepted forms.
func TestParseTargetRefuses(t *testing.T) {
	const forms = "use an extension (2001), a phone number (+441632960123), " +
		"#sip:@HOST[:PORT], #sip:USER@HOST[:PORT], sip:USER@HOST or #h323:@HOST"
	tests := []struct {
		in   string
		want string // the whole message, or a part of it when it starts with "…"
	}{
		{"", `unrecognised dial target "": ` + forms},
		{"   ", `unrecognised dial target "   ": ` + forms},
		{"x", `unrecognised dial target "x": ` + forms},
		{"bob", `unrecognised dial target "bob": ` + forms},
		{"bob@example.com", `unrecognised dial target "bob@example.com": ` + forms},
		{"tel:+441632960123", `unrecognised dial target "tel:+441632960123": ` + forms},
		{"http://example.com", `unrecognised dial target "http://example.com": ` + forms},
		{"#iax:@192.0.2.1", `unrecognised dial target "#iax:@192.0.2.1": ` + forms},
		{"2001a", `unrecognised dial target "2001a": ` + forms},
		{"+44 1632 96012x", `unrecognised dial target "+44 1632 96012x": ` + forms},

		// Control characters, non-ASCII, length.
		{"2001\n", `bad dial target "2001\n": control characters are not accepted; ` + forms},
		{"20\x0001", "…control characters are not accepted"},
		{"\t2001", "…control characters are not accepted"},
		{"sip:bob@exa\x7fmple.com", "…control characters are not accepted"},
		{"+44\u00a01632960123", "…only ASCII is accepted"},
		{"#sip:@bücher.example", "…only ASCII is accepted"},
		{"sip:" + strings.Repeat("a", 250) + "@example.com", "…longer than 256 bytes"},

		// Numbers.
		{"1", `bad dial target "1": 1 digits is neither an extension (2 to 6) nor a number (7 to 20); use an extension (2001) or a phone number (+441632960123, 01632960123)`},
		{"123456789012345678901", "…21 digits is neither"},
		{"+", "…an E.164 number has 8 to 15 digits after the +, not 0"},
		{"+4416329", "…an E.164 number has 8 to 15 digits after the +, not 7"},
		{"+4416329601234567", "…not 16"},
		{"+0441632960123", "…a country code does not start with 0"},
		{"++441632960123", `…"+" belongs only at the start`},
		{"01632+960123", `…"+" belongs only at the start`},
		{"+44 (1632 960123", "…unbalanced parentheses"},
		{"+44 1632) 960123", "…unbalanced parentheses"},
		{"((01632)) 960123", "…nested parentheses"},
		{"(-)", "…0 digits is neither"},
		{"---", `unrecognised dial target "---": ` + forms},

		// Direct SIP.
		{"#sip:", `…missing "@" before the host`},
		{"#sip:192.0.2.10", `bad dial target "#sip:192.0.2.10": missing "@" before the host; use #sip:@HOST[:PORT] or #sip:USER@HOST[:PORT]`},
		{"#sip:@", "…empty host"},
		{"#sip:bob@", "…empty host"},
		{"#sip:@:5060", "…empty host"},
		{"#sip:@192.0.2.10:", `…port "" out of range 1-65535`},
		{"#sip:@192.0.2.10:0", `…port "0" out of range 1-65535`},
		{"#sip:@192.0.2.10:65536", `…port "65536" out of range 1-65535`},
		{"#sip:@192.0.2.10:123456", `…port "123456" out of range 1-65535`},
		{"#sip:@192.0.2.10:-1", `…port "-1" out of range 1-65535`},
		{"#sip:@192.0.2.10:50a", `…port "50a" out of range 1-65535`},
		{"#sip:@192.0.2.300", `…"192.0.2.300" is neither an IP address nor a hostname`},
		{"#sip:@2001:db8::1", "…an IPv6 address goes in brackets, as [2001:db8::1]"},
		{"#sip:@[2001:db8::1", `…missing "]" after the IPv6 address`},
		{"#sip:@[2001:db8::1]x", `…unexpected text after "]"`},
		{"#sip:@[192.0.2.1]", `…"192.0.2.1" is not an IPv6 address`},
		{"#sip:@[fe80::1%eth0]", `…has a bad percent-escape`},
		{"#sip:@[fe80::1%25eth0]", `…IPv6 zone IDs are not accepted`},
		{"#sip:@[::ffff:127.0.0.1%25lo]", `…IPv6 zone IDs are not accepted`},
		{"#sip:@%5b::1%5d", `…an IPv6 address goes in brackets`},
		{"#sip:@%3a%3a1", `…an IPv6 address goes in brackets`},
		{"#sip:@host.%zz", `…has a bad percent-escape`},
		{"#sip:@host..", `…neither an IP address nor a hostname`},
		{"#sip:@256.1", `…neither an IP address nor a hostname`},
		{"#sip:@1.2.3.4.5", `…neither an IP address nor a hostname`},
		{"#sip:@0x100000000", `…neither an IP address nor a hostname`},
		{"#sip:@089.1.1.1", `…neither an IP address nor a hostname`},
		{"sip:+19005551234@evil.example;maddr=127.0.0.1", "…the maddr URI parameter is not accepted"},
		{"#sip:@-host.example", "…neither an IP address nor a hostname"},
		{"#sip:@host..example", "…neither an IP address nor a hostname"},
		{"#sip:@host_1.example", "…neither an IP address nor a hostname"},
		{"#sip:bob smith@192.0.2.10", `…" " is not allowed in the user part`},
		{"#sip:bob@192.0.2.10 :5060", `…is neither an IP address nor a hostname`},
		{"#sip:bob:pw@192.0.2.10", "…passwords in the URI are not accepted"},
		{"#sip:b<o>b@192.0.2.10", `…"<" is not allowed in the user part`},
		{"#sip:bob%2@192.0.2.10", `…"%" is not allowed in the user part`},
		{"#sip:a@b@192.0.2.10", `…more than one "@"`},
		{"#sip:@192.0.2.10;transport=tcp", "…neither an IP address nor a hostname"},

		// SIP URIs.
		{"sip:", "…empty host"},
		{"sip:@example.com", `…empty user before "@"`},
		{"sip:bob@", "…empty host"},
		{"sip:bob@example.com:0", `…port "0" out of range`},
		{"sip:bob@example.com:70000", `…port "70000" out of range`},
		{"sip:bob smith@example.com", `…" " is not allowed in the user part`},
		{"sip:bob@example .com", "…neither an IP address nor a hostname"},
		{"sip:bob@example.com; transport=tcp", "…has a character not allowed there"},
		{"sip:bob:secret@example.com", `bad dial target "sip:bob:secret@example.com": passwords in the URI are not accepted; use sip:USER@HOST[:PORT][;transport=udp|tcp|tls] or sips:…`},
		{"sip:bob@example.com?Route=%3Csip:evil%3E", `…URI headers ("?…") are not accepted`},
		{"sip:a@b@example.com", `…more than one "@"`},
		{"sip:bob@example.com;transport=carrier-pigeon", `…unknown transport "carrier-pigeon"`},
		{"sip:bob@example.com;transport=tcp;transport=udp", "…transport given twice"},
		{"sip:bob@example.com;", "…empty URI parameter"},
		{"sip:bob@example.com;;lr", "…empty URI parameter"},
		{"sip:bob@example.com;transport=", `…URI parameter "transport" has an empty value`},
		{"sip:bob@example.com;x=<y>", "…has a character not allowed there"},
		{"sip:bob@2001:db8::1", "…an IPv6 address goes in brackets"},

		// H.323.
		{"#h323:192.0.2.20", `bad dial target "#h323:192.0.2.20": missing "@" before the host; use #h323:@HOST[:PORT]`},
		{"#h323:@", "…empty host"},
		{"#h323:@192.0.2.20:99999", `…port "99999" out of range`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTarget(tt.in)
			if err == nil {
				t.Fatalf("ParseTarget(%q) = %+v, want an error", tt.in, got)
			}
			if got != (Target{}) {
				t.Errorf("ParseTarget(%q) returned %+v with its error, want the zero Target", tt.in, got)
			}
			if !errors.Is(err, ErrBadTarget) {
				t.Errorf("error %v does not wrap ErrBadTarget", err)
			}
			var te *TargetError
			if !errors.As(err, &te) || te.Input != tt.in {
				t.Errorf("error %v: not a *TargetError with Input %q", err, tt.in)
			}
			msg := err.Error()
			if part, ok := strings.CutPrefix(tt.want, "…"); ok {
				if !strings.Contains(msg, part) {
					t.Errorf("error %q\ndoes not contain %q", msg, part)
				}
				if !strings.Contains(msg, "; use ") {
					t.Errorf("error %q does not say which forms are accepted", msg)
				}
			} else if msg != tt.want {
				t.Errorf("error\n got %q\nwant %q", msg, tt.want)
			}
		})
	}
}

// TestTargetErrorTruncatesInput checks that a long input does not make a
// long message.
func TestTargetErrorTruncatesInput(t *testing.T) {
	_, err := ParseTarget(strings.Repeat("x", 1000))
	if err == nil || len(err.Error()) > 300 {
		t.Fatalf("error %v: want a short message", err)
	}
}

// TestKindString checks the kind names `parley route` prints.
func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{
		KindUnknown: "unknown", KindExtension: "extension", KindNumber: "number",
		KindSIPDirect: "sip-direct", KindSIPURI: "sip-uri", KindH323: "h323", Kind(99): "unknown",
	} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", k, got, want)
		}
	}
	if s := (Target{}).String(); s != "" {
		t.Errorf("zero Target String() = %q, want empty", s)
	}
}

// FuzzParseTarget checks that ParseTarget never panics, that what it
// accepts writes back canonically, and that the canonical form parses to the
// same Target (Raw aside) and is a fixed point.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{
		"2001", "+441632960123", "01632960123", "+44 (0)1632 960123",
		"#sip:@192.0.2.10", "#sip:bob@192.0.2.10:5062", "#sip:@[2001:db8::1]:5060",
		"sip:bob@example.com", "sip:bob@example.com:5080;transport=tcp", "sips:alice@example.com",
		"#h323:@192.0.2.20", "#h323:@192.0.2.20:1721", "x", "", "#sip:@", "sip:a@b@c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseTarget(in)
		if err != nil {
			if !errors.Is(err, ErrBadTarget) {
				t.Fatalf("ParseTarget(%q): error %v does not wrap ErrBadTarget", in, err)
			}
			return
		}
		if got.Kind == KindUnknown || got.Raw != in {
			t.Fatalf("ParseTarget(%q) = %+v: want a Kind and Raw = input", in, got)
		}
		canon := got.String()
		again, err := ParseTarget(canon)
		if err != nil {
			t.Fatalf("ParseTarget(%q) = %+v, but its String %q does not parse: %v", in, got, canon, err)
		}
		if again.Raw != canon {
			t.Fatalf("re-parse of %q: Raw = %q", canon, again.Raw)
		}
		again.Raw = got.Raw
		if again != got {
			t.Fatalf("ParseTarget(%q) = %+v\nbut ParseTarget(%q) = %+v", in, got, canon, again)
		}
		if s := again.String(); s != canon {
			t.Fatalf("String not a fixed point: %q then %q", canon, s)
		}
	})
}
