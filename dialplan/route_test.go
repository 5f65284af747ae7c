package dialplan

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/parleyhq/parley/rules"
)

// testRouter is a router with three extensions and four trunks: a UK
// trunk, a European one, a national one and one that allows nothing.
func testRouter() *Router {
	re := regexp.MustCompile
	return &Router{
		Extensions: map[string]string{
			"2001":        "Alice Smith",
			"2002":        "Bob Jones",
			"01632960999": "Lobby phone", // a long extension that looks national
		},
		Trunks: []TrunkRoute{
			{Name: "pstn", Proxy: "sip:sbc.example.net:5060", CallerID: "+441632960000",
				Allow: []*regexp.Regexp{re(`^\+44[0-9]{10}$`)}},
			{Name: "eu", Proxy: "sips:eu.example.net;transport=tls", CallerID: "+33123456789",
				Allow: []*regexp.Regexp{re(`^\+33[0-9]{9}$`), nil, re(`^\+49[0-9]+$`)}},
			{Name: "national", Proxy: "SIP:GW.example.net:5070;transport=TCP;lr",
				Allow: []*regexp.Regexp{re(`^0[1-9][0-9]{8,9}$`), re(`^3[0-9]{3}$`), re(`^\+44[0-9]{10}$`)}},
			{Name: "dead", Proxy: "sip:192.0.2.99"},
		},
		Resolver: testDNS,
	}
}

// fakeDNS resolves the names it holds and fails on any other, so that no
// test reaches a real resolver.
type fakeDNS map[string][]netip.Addr

func (d fakeDNS) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if a, ok := d[host]; ok {
		return a, nil
	}
	return nil, fmt.Errorf("lookup %s: no such host", host)
}

// testDNS holds the names of testRouter's trunks and a few others.
var testDNS = fakeDNS{
	"sbc.example.net": {netip.MustParseAddr("192.0.2.5")},
	"eu.example.net":  {netip.MustParseAddr("2001:db8::6"), netip.MustParseAddr("192.0.2.6")},
	"gw.example.net":  {netip.MustParseAddr("192.0.2.7")},
	"example.com":     {netip.MustParseAddr("198.51.100.10")},
}

func mustParse(t *testing.T, s string) Target {
	t.Helper()
	tg, err := ParseTarget(s)
	if err != nil {
		t.Fatalf("ParseTarget(%q): %v", s, err)
	}
	return tg
}

// TestRoute checks where each kind of target goes and which caller ID it
// carries.
func TestRoute(t *testing.T) {
	tests := []struct {
		name              string
		target            string
		callerID, roomCID string
		via, trunk, dest  string
		wantCID           string
	}{
		{"extension", "2001", "", "", ViaExtension, "", "registered contacts of 2001", ""},
		{"extension with separators", "20-02", "", "+441632960100", ViaExtension, "", "registered contacts of 2002", "+441632960100"},
		{"extension wins over a national number", "01632 960999", "", "", ViaExtension, "", "registered contacts of 01632960999", ""},
		{"short number not an extension", "3001", "", "", ViaTrunk, "national", "sip:3001@gw.example.net:5070;transport=tcp", ""},
		{"E.164 first matching trunk", "+44 (0)1632 960123", "", "", ViaTrunk, "pstn", "sip:+441632960123@sbc.example.net:5060", "+441632960000"},
		{"second pattern of second trunk", "+49 30 1234567", "", "", ViaTrunk, "eu", "sips:+49301234567@eu.example.net;transport=tls", "+33123456789"},
		{"national as typed", "01632 960123", "", "", ViaTrunk, "national", "sip:01632960123@gw.example.net:5070;transport=tcp", ""},
		{"room caller ID over trunk's", "+441632960123", "", "+441632960100", ViaTrunk, "pstn", "sip:+441632960123@sbc.example.net:5060", "+441632960100"},
		{"request caller ID over room's", "+441632960123", "2001", "+441632960100", ViaTrunk, "pstn", "sip:+441632960123@sbc.example.net:5060", "2001"},
		{"request caller ID over a bad room one", "+441632960123", "+441632960111", "bad", ViaTrunk, "pstn", "sip:+441632960123@sbc.example.net:5060", "+441632960111"},
		{"direct", "#sip:bob@192.0.2.10:5062", "", "+441632960100", ViaDirect, "", "sip:bob@192.0.2.10:5062", "+441632960100"},
		{"direct default port, no user", "#sip:@192.0.2.10", "", "", ViaDirect, "", "sip:192.0.2.10:5060", ""},
		{"direct IPv6", "#sip:@[2001:db8::1]", "", "", ViaDirect, "", "sip:[2001:db8::1]:5060", ""},
		{"SIP URI as is", "sip:bob@example.com:5080;transport=tcp", "+441632960111", "", ViaDirect, "", "sip:bob@example.com:5080;transport=tcp", "+441632960111"},
		{"SIP URI to a trunk host, allowed number", "sip:+441632960123@sbc.example.net", "", "", ViaTrunk, "pstn", "sip:+441632960123@sbc.example.net:5060", "+441632960000"},
	}
	r := testRouter()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := mustParse(t, tt.target)
			got, err := r.Route(context.Background(), tg, tt.callerID, tt.roomCID)
			if err != nil {
				t.Fatalf("Route(%q): %v\nexplain:\n%s", tt.target, err, strings.Join(got.Explain, "\n"))
			}
			if got.Target != tg || got.Via != tt.via || got.Trunk != tt.trunk || got.Destination != tt.dest || got.CallerID != tt.wantCID {
				t.Errorf("Route(%q) = via %q trunk %q dest %q caller ID %q\nwant via %q trunk %q dest %q caller ID %q",
					tt.target, got.Via, got.Trunk, got.Destination, got.CallerID, tt.via, tt.trunk, tt.dest, tt.wantCID)
			}
			if len(got.Explain) == 0 {
				t.Errorf("Route(%q): no Explain lines", tt.target)
			}
		})
	}
}

// TestRouteExplain checks the lines `parley route` prints, one per
// decision.
func TestRouteExplain(t *testing.T) {
	r := testRouter()
	tests := []struct {
		target, callerID, roomCID string
		want                      []string
	}{
		{"2001", "", "+441632960100", []string{
			"2001 is an extension (Alice Smith): ring all its registered contacts, the first to answer wins",
			"caller ID +441632960100 from the room",
		}},
		{"3001", "", "", []string{
			"3001 is not a configured extension: trying it as a number",
			`trunk pstn: 3001 matches none of ^\+44[0-9]{10}$`,
			`trunk eu: 3001 matches none of ^\+33[0-9]{9}$, ^\+49[0-9]+$`,
			"trunk national: proxy gw.example.net resolves to 192.0.2.7",
			"trunk national: 3001 matches ^3[0-9]{3}$: INVITE sip:3001@gw.example.net:5070;transport=tcp, sent to 192.0.2.7:5070",
			"caller ID: none set by the request, the room or a trunk",
		}},
		{"+441632960123", "", "", []string{
			"+441632960123 is a phone number: trying the trunks in order",
			"trunk pstn: proxy sbc.example.net resolves to 192.0.2.5",
			`trunk pstn: +441632960123 matches ^\+44[0-9]{10}$: INVITE sip:+441632960123@sbc.example.net:5060, sent to 192.0.2.5:5060`,
			"caller ID +441632960000 from trunk pstn",
		}},
		{"#sip:bob@192.0.2.10:5062", "2001", "", []string{
			"no direct allow list (dialout.direct_allow): any host that is no trunk's may be called",
			"#sip:bob@192.0.2.10:5062 is a direct SIP endpoint: INVITE sip:bob@192.0.2.10:5062, sent to 192.0.2.10:5062, no registration or trunk",
			"caller ID 2001 from the request",
		}},
		{"sip:bob@example.com", "", "", []string{
			"host example.com resolves to 198.51.100.10",
			"no direct allow list (dialout.direct_allow): any host that is no trunk's may be called",
			"sip:bob@example.com is a SIP URI: INVITE it as is, sent to 198.51.100.10:5060",
			"caller ID: none set by the request, the room or a trunk",
		}},
	}
	for _, tt := range tests {
		got, err := r.Route(context.Background(), mustParse(t, tt.target), tt.callerID, tt.roomCID)
		if err != nil {
			t.Fatalf("Route(%q): %v", tt.target, err)
		}
		if !slices.Equal(got.Explain, tt.want) {
			t.Errorf("Route(%q) explain:\n%s\nwant:\n%s", tt.target, strings.Join(got.Explain, "\n"), strings.Join(tt.want, "\n"))
		}
	}
}

// TestRouteTollFraud checks that a number no trunk allows is refused with a
// message that names the number and what each trunk allows, and that the
// explanation survives the error.
func TestRouteTollFraud(t *testing.T) {
	r := testRouter()
	got, err := r.Route(context.Background(), mustParse(t, "+1 900 555 1234"), "", "")
	if !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("Route: error %v, want ErrNotAllowed", err)
	}
	const msg = `dial-out not allowed: no trunk allows +19005551234: pstn allows ^\+44[0-9]{10}$; ` +
		`eu allows ^\+33[0-9]{9}$, ^\+49[0-9]+$; national allows ^0[1-9][0-9]{8,9}$, ^3[0-9]{3}$, ^\+44[0-9]{10}$; dead allows nothing`
	if err.Error() != msg {
		t.Errorf("error\n got %q\nwant %q", err, msg)
	}
	want := []string{
		"+19005551234 is a phone number: trying the trunks in order",
		`trunk pstn: +19005551234 matches none of ^\+44[0-9]{10}$`,
		`trunk eu: +19005551234 matches none of ^\+33[0-9]{9}$, ^\+49[0-9]+$`,
		`trunk national: +19005551234 matches none of ^0[1-9][0-9]{8,9}$, ^3[0-9]{3}$, ^\+44[0-9]{10}$`,
		"trunk dead: allows nothing (no allow patterns)",
		"no trunk allows +19005551234: refused before any INVITE",
	}
	if !slices.Equal(got.Explain, want) {
		t.Errorf("explain:\n%s\nwant:\n%s", strings.Join(got.Explain, "\n"), strings.Join(want, "\n"))
	}
	if got.Destination != "" || got.Via != "" || got.Trunk != "" {
		t.Errorf("refused route has via %q trunk %q destination %q, want none", got.Via, got.Trunk, got.Destination)
	}

	// An unknown short number is not an extension and no trunk allows it.
	if _, err := r.Route(context.Background(), mustParse(t, "9999"), "", ""); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("Route(9999): error %v, want ErrNotAllowed", err)
	}

	// No trunks at all.
	_, err = (&Router{}).Route(context.Background(), mustParse(t, "+441632960123"), "", "")
	if !errors.Is(err, ErrNotAllowed) || err.Error() != "dial-out not allowed: no trunk allows +441632960123: no trunks are configured" {
		t.Errorf("Route with no trunks: error %v", err)
	}
}

// TestRouteTrunkHostGuard checks that typing a SIP URI or direct endpoint
// at a trunk's proxy does not bypass its allow patterns.
func TestRouteTrunkHostGuard(t *testing.T) {
	r := testRouter()
	for _, in := range []string{
		"sip:+19005551234@sbc.example.net",
		"sip:+19005551234@SBC.example.net:5060;transport=tcp",
		"#sip:+19005551234@sbc.example.net",
		"#sip:@sbc.example.net",
		"#sip:operator@192.0.2.99",
		"sips:eu.example.net",
	} {
		got, err := r.Route(context.Background(), mustParse(t, in), "", "")
		if !errors.Is(err, ErrNotAllowed) {
			t.Errorf("Route(%q) = via %q dest %q, error %v; want ErrNotAllowed", in, got.Via, got.Destination, err)
			continue
		}
		if got.Destination != "" {
			t.Errorf("Route(%q): refused route has destination %q", in, got.Destination)
		}
		if !slices.ContainsFunc(got.Explain, func(l string) bool { return strings.Contains(l, "is the proxy host of trunk") }) {
			t.Errorf("Route(%q) explain: %q", in, got.Explain)
		}
	}
	// Only the trunks at that host are tried: eu does not allow a UK number
	// even though pstn would.
	if _, err := r.Route(context.Background(), mustParse(t, "sips:+441632960123@eu.example.net"), "", ""); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("UK number at eu's host: error %v, want ErrNotAllowed", err)
	}
}

// TestRouteCallerIDRefused checks that a caller ID that is neither E.164
// nor digits is refused, whoever set it.
func TestRouteCallerIDRefused(t *testing.T) {
	r := testRouter()
	bad := &Router{Trunks: []TrunkRoute{{Name: "t", Proxy: "sip:sbc.example.net",
		CallerID: "Parley", Allow: []*regexp.Regexp{regexp.MustCompile(`.`)}}}, Resolver: testDNS}
	tests := []struct {
		name              string
		r                 *Router
		target            string
		callerID, roomCID string
		want              string
	}{
		{"request", r, "+441632960123", "+44 1632 960000", "", `bad caller ID "+44 1632 960000" from the request: want E.164 (+441632960000) or digits`},
		{"request on extension", r, "2001", "alice", "", `bad caller ID "alice" from the request`},
		{"request leading zero", r, "+441632960123", "+0441632960000", "", `bad caller ID "+0441632960000" from the request`},
		{"request too long", r, "+441632960123", "+4416329600001234", "", `from the request`},
		{"room", r, "+441632960123", "", "+", `bad caller ID "+" from the room`},
		{"room on direct", r, "#sip:@192.0.2.10", "", "sip:x", `bad caller ID "sip:x" from the room`},
		{"trunk", bad, "+441632960123", "", "", `bad caller ID "Parley" from trunk t`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.r.Route(context.Background(), mustParse(t, tt.target), tt.callerID, tt.roomCID)
			if !errors.Is(err, ErrBadCallerID) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want ErrBadCallerID with %q", err, tt.want)
			}
		})
	}
	for _, ok := range []string{"+44", "+441632960000", "+123456789012345", "0", "01632960000", strings.Repeat("9", 32)} {
		if err := rules.CallerID(ok); err != nil {
			t.Errorf("rules.CallerID(%q) = %v", ok, err)
		}
	}
	for _, no := range []string{"", "+", "+4", "+0123", "+1234567890123456", strings.Repeat("9", 33), "12a", " 1", "+44 1632"} {
		if rules.CallerID(no) == nil {
			t.Errorf("rules.CallerID(%q) = nil", no)
		}
	}
}

// TestRouteBadInput checks a zero Target and a trunk with a bad proxy.
func TestRouteBadInput(t *testing.T) {
	if _, err := testRouter().Route(context.Background(), Target{}, "", ""); !errors.Is(err, ErrBadTarget) {
		t.Errorf("zero Target: error %v, want ErrBadTarget", err)
	}
	r := &Router{Trunks: []TrunkRoute{{Name: "broken", Proxy: "sbc.example.net",
		Allow: []*regexp.Regexp{regexp.MustCompile(`.`)}}}}
	_, err := r.Route(context.Background(), mustParse(t, "+441632960123"), "", "")
	if err == nil || errors.Is(err, ErrNotAllowed) || !strings.Contains(err.Error(), `trunk broken: proxy "sbc.example.net"`) {
		t.Errorf("bad proxy: error %v", err)
	}
}

// TestRouterConcurrent routes from many goroutines at once, for -race.
func TestRouterConcurrent(t *testing.T) {
	r := testRouter()
	tg := mustParse(t, "+441632960123")
	done := make(chan struct{})
	for range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 100 {
				if _, err := r.Route(context.Background(), tg, "", ""); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
}

// BenchmarkParseTarget measures parsing of the common forms; it runs once
// per dial request, not per packet, so this is a guard against accidents.
func BenchmarkParseTarget(b *testing.B) {
	for _, in := range []string{"2001", "+44 (0)1632 960123", "#sip:bob@192.0.2.10:5062", "sip:bob@example.com:5080;transport=tcp"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseTarget(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
