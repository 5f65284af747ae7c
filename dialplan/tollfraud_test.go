package dialplan

import (
	"context"
	"errors"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// fraudDNS resolves the names of the toll fraud tests: localhost, the
// byname trunk's proxy and names that share its addresses, and names of
// other hosts.
var fraudDNS = fakeDNS{
	"localhost":                    {netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")},
	"sbc.example.net":              {netip.MustParseAddr("192.0.2.5"), netip.MustParseAddr("2001:db8::5")},
	"alias.example.org":            {netip.MustParseAddr("192.0.2.5")},
	"v6.example.com":               {netip.MustParseAddr("2001:db8::5")},
	"mapped.example.com":           {netip.MustParseAddr("::ffff:192.0.2.5")},
	"rebind.example.com":           {netip.MustParseAddr("198.51.100.20"), netip.MustParseAddr("192.0.2.5")},
	"pbx.example.com":              {netip.MustParseAddr("198.51.100.30")},
	"badexample.com":               {netip.MustParseAddr("198.51.100.40")},
	"sbc.example.net.evil.example": {netip.MustParseAddr("203.0.113.9")},
	"evil.example.net":             {netip.MustParseAddr("203.0.113.9")},
	"mcast.example.com":            {netip.MustParseAddr("224.0.0.1")},
	"self.example.com":             {netip.MustParseAddr("192.0.2.200")},
}

// fraudRouter has two trunks: pstn at 127.0.0.1:5080 for UK numbers, and
// byname, whose proxy is a name, for French ones. Parley itself listens on
// 192.0.2.200:5060 and on [::]:5070.
func fraudRouter() *Router {
	re := regexp.MustCompile
	return &Router{
		Trunks: []TrunkRoute{
			{Name: "pstn", Proxy: "sip:127.0.0.1:5080", Allow: []*regexp.Regexp{re(`^\+44[0-9]{10}$`)}},
			{Name: "byname", Proxy: "sip:SBC.example.net.", Allow: []*regexp.Regexp{re(`^\+33[0-9]{9}$`)}},
		},
		Resolver: fraudDNS,
		Self: func() []netip.AddrPort {
			return []netip.AddrPort{netip.MustParseAddrPort("192.0.2.200:5060"), netip.MustParseAddrPort("[::]:5070")}
		},
	}
}

// TestRouteTollFraudSpellings writes the trunks' hosts and the numbers
// every way an attacker might: each target must either be refused or go
// through the trunk whose address it reaches, with the number that trunk
// allows and the INVITE sent to the trunk's own address.
func TestRouteTollFraudSpellings(t *testing.T) {
	const pstnAddr, bynameAddr = "127.0.0.1:5080", "192.0.2.5:5060"
	pstnHosts := []string{
		"127.0.0.1:5080", "127.0.0.1", "127.0.0.1:5060", "localhost:5080", "LOCALHOST:5080", "localhost.:5080",
		"LocalHost.", "[::ffff:127.0.0.1]:5080", "[::FFFF:7F00:1]:5080", "[0:0:0:0:0:ffff:127.0.0.1]:5080",
		"2130706433:5080", "0177.0.0.1:5080", "0x7f.1:5080", "0x7f000001:5080", "127.1:5080", "127.0.1:5080",
		"127.000.000.001:5080", "0177.0.0.01", "%31%32%37.0.0.1:5080", "localhos%74:5080", "127.0.0.1.:5080",
		"0x7F.0.0.1", "017700000001:5080", "%6c%6f%63%61%6c%68%6f%73%74.:5080",
	}
	bynameHosts := []string{
		"sbc.example.net", "SBC.Example.NET.", "alias.example.org", "192.0.2.5", "192.0.2.5:5061",
		"[2001:db8::5]", "[2001:DB8:0:0::5]:5060", "v6.example.com", "mapped.example.com", "3221225989",
		"rebind.example.com", "sbc%2eexample.net", "[::ffff:c000:205]", "0xc0.0.2.5",
	}
	type want struct{ trunk, number, addr string }
	var cases []struct {
		in string
		want
	}
	add := func(in string, w want) {
		cases = append(cases, struct {
			in string
			want
		}{in, w})
	}
	for _, h := range pstnHosts {
		add("sip:+19005551234@"+h, want{})
		add("#sip:+19005551234@"+h, want{})
		add("#sip:@"+h, want{})
		add("sip:operator@"+h, want{})
		add("sip:+441632960123@"+h, want{"pstn", "+441632960123", pstnAddr})
		add("#sip:+44-1632-960.123@"+h, want{"pstn", "+441632960123", pstnAddr})
	}
	for _, h := range bynameHosts {
		add("sip:+19005551234@"+h, want{})
		add("sip:+441632960123@"+h, want{}) // pstn would allow it, but this is byname's host
		add("sips:+33123456789@"+h, want{"byname", "+33123456789", bynameAddr})
	}
	// The number as the trunk will see it.
	for _, tt := range []struct {
		user string
		want
	}{
		{"%2B19005551234", want{}},
		{"%2b441632960123", want{"pstn", "+441632960123", pstnAddr}},
		{"+44(0)1632960123", want{"pstn", "+441632960123", pstnAddr}},
		{"+1-900-555-1234", want{}},
		{"+44%201632%20960123", want{"pstn", "+441632960123", pstnAddr}},
		{"+44163296012%33", want{"pstn", "+441632960123", pstnAddr}},
		{"1632960123;phone-context=+44", want{"pstn", "+441632960123", pstnAddr}},
		{"1632960123;phone-context=+4-4", want{"pstn", "+441632960123", pstnAddr}},
		{"9005551234;phone-context=+1", want{}},
		{"+441632960123;phone-context=+44", want{}},
		{"+441632960123;phone-context=+1", want{}},
		{"1632960123;phone-context=example.com", want{}},
		{"1632960123;phone-context=+44;phone-context=+1", want{}},
		{"+441632960123;isub=1900", want{}},
		{"+441632960123;postd=pp19005551234", want{}},
		{"+441632960123;ext=1", want{}},
		{"+4416329601230000", want{}},
		{"00441632960123", want{}},
		{"00%2B441632960123", want{}},
		{"+441632960123%23", want{}},
		{"+441632960123%00", want{}},
		{"%2B%2B441632960123", want{}},
		{"+44%2B1632960123", want{}},
		{"%", want{}},
	} {
		add("sip:"+tt.user+"@127.0.0.1:5080", tt.want)
	}
	// Numbers typed as numbers.
	add("+1 900 555 1234", want{})
	add("tel:+19005551234", want{}) // tel: URIs are not dial targets
	add("tel:+441632960123", want{})
	add("+44 (0)1632 960123", want{"pstn", "+441632960123", pstnAddr})
	add("+33 1 23 45 67 89", want{"byname", "+33123456789", bynameAddr})

	r := fraudRouter()
	for _, tt := range cases {
		t.Run(tt.in, func(t *testing.T) {
			tg, err := ParseTarget(tt.in)
			if err != nil {
				if tt.trunk != "" {
					t.Fatalf("ParseTarget(%q): %v, want it to route through %s", tt.in, err, tt.trunk)
				}
				return // refused before routing
			}
			got, err := r.Route(context.Background(), tg, "", "")
			if tt.trunk == "" {
				if !errors.Is(err, ErrNotAllowed) {
					t.Fatalf("Route(%q) = via %q trunk %q dest %q addr %v, err %v; want ErrNotAllowed\n%s",
						tt.in, got.Via, got.Trunk, got.Destination, got.Addr, err, strings.Join(got.Explain, "\n"))
				}
				return
			}
			if err != nil {
				t.Fatalf("Route(%q): %v\n%s", tt.in, err, strings.Join(got.Explain, "\n"))
			}
			if got.Via != ViaTrunk || got.Trunk != tt.trunk || got.Addr.String() != tt.addr ||
				!strings.Contains(got.Destination, ":"+tt.number+"@") {
				t.Errorf("Route(%q) = via %q trunk %q dest %q addr %v; want trunk %s number %s at %s",
					tt.in, got.Via, got.Trunk, got.Destination, got.Addr, tt.trunk, tt.number, tt.addr)
			}
		})
	}
	if len(pstnHosts)+len(bynameHosts) < 30 {
		t.Errorf("only %d spellings of the trunks' hosts", len(pstnHosts)+len(bynameHosts))
	}
}

// TestRouteDirectHosts checks targets at hosts that are no trunk's: they
// go directly, to the address the check resolved (at the scheme's default
// port), unless the address is Parley's own, multicast, broadcast or
// unspecified, or the name does not resolve.
func TestRouteDirectHosts(t *testing.T) {
	r := fraudRouter()
	for _, tt := range []struct{ in, addr string }{
		{"#sip:bob@127.0.0.2:5080", "127.0.0.2:5080"},
		{"#sip:bob@127.0.0.1.5:5080", ""}, // not an address nor a name: refused by ParseTarget
		{"#sip:@192.0.2.50", "192.0.2.50:5060"},
		{"sip:bob@pbx.example.com", "198.51.100.30:5060"},
		{"sip:bob@PBX.example.com.:5070;transport=tcp", "198.51.100.30:5070"},
		{"sips:bob@pbx.example.com", "198.51.100.30:5061"},
		{"sip:bob@pbx.example.com;transport=tls", "198.51.100.30:5061"},
		{"sip:+19005551234@sbc.example.net.evil.example", "203.0.113.9:5060"},
		{"#sip:@[2001:db8::6]", "[2001:db8::6]:5060"},
		{"#sip:@192.0.2.200:5062", "192.0.2.200:5062"}, // Parley's address, another port
		{"#sip:@[::1]:5080", "[::1]:5080"},
	} {
		tg, err := ParseTarget(tt.in)
		if err != nil {
			if tt.addr != "" {
				t.Errorf("ParseTarget(%q): %v", tt.in, err)
			}
			continue
		}
		got, err := r.Route(context.Background(), tg, "", "")
		if err != nil || got.Via != ViaDirect || got.Addr.String() != tt.addr {
			t.Errorf("Route(%q) = via %q addr %v, err %v; want direct to %s\n%s", tt.in, got.Via, got.Addr, err, tt.addr, strings.Join(got.Explain, "\n"))
		}
	}
	for _, in := range []string{
		"#sip:@192.0.2.200", "#sip:@self.example.com:5060", "#sip:@127.0.0.1.:5070", "#sip:@[::1]:5070", "#sip:@localhost:5070",
		"#sip:@224.0.0.1", "#sip:@mcast.example.com", "#sip:@[ff02::1]", "#sip:@255.255.255.255", "#sip:@4294967295",
		"#sip:@0.0.0.0", "#sip:@0", "#sip:@[::]", "#sip:@nx.example.com", "sip:bob@nx.example.com",
	} {
		got, err := r.Route(context.Background(), mustParse(t, in), "", "")
		if !errors.Is(err, ErrNotAllowed) {
			t.Errorf("Route(%q) = via %q addr %v, err %v; want ErrNotAllowed", in, got.Via, got.Addr, err)
		}
	}
}

// TestRouteDirectAllow checks dialout.direct_allow: a domain allows its
// names on a dot boundary, a network the addresses in it, and trunk hosts
// keep their own rules.
func TestRouteDirectAllow(t *testing.T) {
	r := fraudRouter()
	for _, s := range []string{"*.Example.COM.", "203.0.113.0/24", "2001:db8:1::7"} {
		p, err := ParseHostPattern(s)
		if err != nil {
			t.Fatal(err)
		}
		r.DirectAllow = append(r.DirectAllow, p)
	}
	for _, tt := range []struct{ in, addr string }{
		{"sip:bob@pbx.example.com", "198.51.100.30:5060"},
		{"#sip:@203.0.113.9", "203.0.113.9:5060"},
		{"#sip:@[::ffff:203.0.113.9]", "203.0.113.9:5060"},
		{"sip:bob@evil.example.net", "203.0.113.9:5060"}, // by its address
		{"#sip:@[2001:db8:1::7]:5070", "[2001:db8:1::7]:5070"},
	} {
		got, err := r.Route(context.Background(), mustParse(t, tt.in), "", "")
		if err != nil || got.Via != ViaDirect || got.Addr.String() != tt.addr {
			t.Errorf("Route(%q) = via %q addr %v, err %v; want direct to %s", tt.in, got.Via, got.Addr, err, tt.addr)
		}
	}
	for _, in := range []string{
		"sip:bob@badexample.com", "#sip:@198.51.100.30", "#sip:@192.0.2.50", "#sip:@[2001:db8:1::8]",
		"sip:+19005551234@localhost:5080", "#sip:@mcast.example.com",
	} {
		got, err := r.Route(context.Background(), mustParse(t, in), "", "")
		if !errors.Is(err, ErrNotAllowed) {
			t.Errorf("Route(%q) = via %q addr %v, err %v; want ErrNotAllowed", in, got.Via, got.Addr, err)
		}
	}
	// A trunk host's allowed number is not a direct call: the allow list
	// does not apply to it.
	if got, err := r.Route(context.Background(), mustParse(t, "sip:+441632960123@localhost:5080"), "", ""); err != nil || got.Trunk != "pstn" {
		t.Errorf("allowed number at the trunk: via %q trunk %q, err %v", got.Via, got.Trunk, err)
	}
}

// TestRouteUnresolvedTrunkFailsClosed checks that a trunk whose proxy does
// not resolve refuses direct targets (they might be that trunk) and its own
// numbers, and that the Explain lines say so.
func TestRouteUnresolvedTrunkFailsClosed(t *testing.T) {
	r := &Router{Resolver: fraudDNS, Trunks: []TrunkRoute{{Name: "gone", Proxy: "sip:gone.example.net",
		Allow: []*regexp.Regexp{regexp.MustCompile(`.`)}}}}
	got, err := r.Route(context.Background(), mustParse(t, "#sip:@192.0.2.50"), "", "")
	if !errors.Is(err, ErrNotAllowed) || !slices.ContainsFunc(got.Explain, func(l string) bool { return strings.Contains(l, "cannot tell the target from it") }) {
		t.Errorf("direct with an unresolved trunk: err %v\n%s", err, strings.Join(got.Explain, "\n"))
	}
	if _, err := r.Route(context.Background(), mustParse(t, "+441632960123"), "", ""); err == nil {
		t.Errorf("number through an unresolved trunk: no error")
	}
}

// TestRouteResolveTimeout checks that a resolver that hangs is cut off by
// ResolveTimeout and the target refused.
func TestRouteResolveTimeout(t *testing.T) {
	r := &Router{Resolver: hangingDNS{}, ResolveTimeout: 1}
	if _, err := r.Route(context.Background(), mustParse(t, "sip:bob@slow.example.com"), "", ""); !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrNotAllowed) {
		t.Errorf("err %v, want ErrNotAllowed and a deadline", err)
	}
}

// hangingDNS answers only when its context ends.
type hangingDNS struct{}

func (hangingDNS) LookupNetIP(ctx context.Context, _, _ string) ([]netip.Addr, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestParseHostPattern checks the allow list entries and their matching.
func TestParseHostPattern(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"example.com", "example.com"}, {"*.Example.com.", "example.com"}, {".example.com", "example.com"},
		{"192.0.2.1", "192.0.2.1"}, {"::ffff:192.0.2.1", "192.0.2.1"}, {"[2001:db8::1]", "2001:db8::1"},
		{"192.0.2.7/24", "192.0.2.0/24"}, {"::ffff:192.0.2.0/120", "192.0.2.0/24"}, {"2001:db8::/32", "2001:db8::/32"},
	} {
		p, err := ParseHostPattern(tt.in)
		if err != nil || p.String() != tt.want {
			t.Errorf("ParseHostPattern(%q) = %q, %v; want %q", tt.in, p, err, tt.want)
		}
	}
	for _, in := range []string{"", "*", "127.1", "2130706433", "bad_host", "192.0.2.0/33", "::ffff:0:0/64", "fe80::1%eth0", "a..b"} {
		if p, err := ParseHostPattern(in); err == nil {
			t.Errorf("ParseHostPattern(%q) = %q, want an error", in, p)
		}
	}
	p, _ := ParseHostPattern("example.com")
	for name, want := range map[string]bool{"example.com": true, "a.b.example.com": true, "badexample.com": false, "example.com.evil": false, "com": false} {
		if p.matchName(name) != want {
			t.Errorf("example.com matches %q: %v, want %v", name, !want, want)
		}
	}
}

// TestParseInetAton checks the numeric IPv4 forms against what
// inet_aton(3) reads.
func TestParseInetAton(t *testing.T) {
	for in, want := range map[string]string{
		"2130706433": "127.0.0.1", "0177.0.0.1": "127.0.0.1", "0x7f.1": "127.0.0.1", "127.1": "127.0.0.1",
		"127.0.1": "127.0.0.1", "0": "0.0.0.0", "4294967295": "255.255.255.255", "0x7F.0x0.0.01": "127.0.0.1",
		"10.0x10203": "10.1.2.3", "192.168.0x0102": "192.168.1.2",
	} {
		if a, ok := parseInetAton(in); !ok || a.String() != want {
			t.Errorf("parseInetAton(%q) = %v, %v; want %s", in, a, ok, want)
		}
	}
	for _, in := range []string{"", ".", "1.", "4294967296", "256.1", "1.2.3.256", "1.2.65536", "08", "0x", "1.2.3.4.5", "+1", "1.-2", "0xg"} {
		if a, ok := parseInetAton(in); ok {
			t.Errorf("parseInetAton(%q) = %v, want not an address", in, a)
		}
	}
}

// TestContactAddr checks the registered devices an extension may ring: a
// contact at a trunk's address (however written), at Parley itself or at a
// multicast address is refused; another is pinned to its resolved address.
func TestContactAddr(t *testing.T) {
	r := fraudRouter()
	for _, tt := range []struct{ in, want string }{
		{"198.51.100.30:5060", "198.51.100.30:5060"},
		{"pbx.example.com:5062", "198.51.100.30:5062"},
		{"PBX.example.com.:5062", "198.51.100.30:5062"},
		{"[2001:db8::6]:5060", "[2001:db8::6]:5060"},
		{"[::ffff:198.51.100.30]:5060", "198.51.100.30:5060"},
		{"192.0.2.200:5062", "192.0.2.200:5062"},
	} {
		got, err := r.ContactAddr(context.Background(), tt.in)
		if err != nil || got.String() != tt.want {
			t.Errorf("ContactAddr(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{
		"127.0.0.1:5080", "127.0.0.1:9999", "localhost:5080", "[::ffff:127.0.0.1]:5080", "2130706433:5080",
		"sbc.example.net:5060", "alias.example.org:5070", "[2001:db8::5]:5060", "rebind.example.com:5060",
		"192.0.2.200:5060", "[::1]:5070", "224.0.0.1:5060", "0.0.0.0:5060", "nx.example.com:5060",
		"198.51.100.30", "198.51.100.30:0", "[fe80::1%eth0]:5060",
	} {
		if got, err := r.ContactAddr(context.Background(), in); !errors.Is(err, ErrNotAllowed) {
			t.Errorf("ContactAddr(%q) = %v, %v; want ErrNotAllowed", in, got, err)
		}
	}
}

// TestRouteH323 checks H.323 targets: they go Via h323 straight to the
// resolved address (port 1720 by default), never through a trunk, under
// the direct checks: Parley's own H.323 address (not its SIP ones),
// unusable addresses, names that do not resolve, and the allow list.
func TestRouteH323(t *testing.T) {
	r := fraudRouter()
	r.SelfH323 = func() []netip.AddrPort { return []netip.AddrPort{netip.MustParseAddrPort("0.0.0.0:1720")} }
	for _, tt := range []struct{ in, addr, dest, explain string }{
		{"#h323:@192.0.2.20", "192.0.2.20:1720", "#h323:@192.0.2.20", "no destination alias"},
		{"#h323:room7@pbx.example.com:1721", "198.51.100.30:1721", "#h323:room7@pbx.example.com:1721", `destination alias "room7"`},
		{"#h323:@127.0.0.1:5080", "127.0.0.1:5080", "#h323:@127.0.0.1:5080", "Setup sent to 127.0.0.1:5080"}, // a trunk's host: SIP trunks do not apply
		{"#h323:@192.0.2.200:5060", "192.0.2.200:5060", "#h323:@192.0.2.200:5060", "H.323 endpoint"},         // Parley's SIP address is no H.323 one
		{"#h323:@127.0.0.1:1721", "127.0.0.1:1721", "#h323:@127.0.0.1:1721", "H.323 endpoint"},
	} {
		got, err := r.Route(context.Background(), mustParse(t, tt.in), "", "+441632960100")
		explain := strings.Join(got.Explain, "\n")
		if err != nil || got.Via != ViaH323 || got.Addr.String() != tt.addr || got.Destination != tt.dest ||
			got.CallerID != "+441632960100" || !strings.Contains(explain, tt.explain) {
			t.Errorf("Route(%q) = %+v, err %v; want h323 to %s, %s, explaining %q\n%s", tt.in, got, err, tt.addr, tt.dest, tt.explain, explain)
		}
	}
	for _, tt := range []struct{ in, why string }{
		{"#h323:@127.0.0.1", "127.0.0.1 is Parley's own H.323 address"},
		{"#h323:@localhost", "localhost is Parley's own H.323 address"},
		{"#h323:@224.0.0.1", "a multicast address"},
		{"#h323:@0.0.0.0", "an unspecified address"},
		{"#h323:@nx.example.com", "nx.example.com"},
	} {
		got, err := r.Route(context.Background(), mustParse(t, tt.in), "", "")
		if !errors.Is(err, ErrNotAllowed) || !strings.Contains(err.Error(), tt.why) || got.Via == ViaH323 {
			t.Errorf("Route(%q) = via %q, err %v; want ErrNotAllowed naming %q", tt.in, got.Via, err, tt.why)
		}
	}
	p, err := ParseHostPattern("203.0.113.0/24")
	if err != nil {
		t.Fatal(err)
	}
	r.DirectAllow = []HostPattern{p}
	if got, err := r.Route(context.Background(), mustParse(t, "#h323:@203.0.113.9"), "", ""); err != nil || got.Via != ViaH323 {
		t.Errorf("allowed H.323 host: via %q, err %v", got.Via, err)
	}
	if _, err := r.Route(context.Background(), mustParse(t, "#h323:@192.0.2.20"), "", ""); !errors.Is(err, ErrNotAllowed) ||
		!strings.Contains(err.Error(), "dialout.direct_allow") {
		t.Errorf("H.323 host outside the allow list: err %v, want ErrNotAllowed", err)
	}
	if _, err := r.Route(context.Background(), mustParse(t, "#h323:@203.0.113.9"), "x", ""); !errors.Is(err, ErrBadCallerID) {
		t.Errorf("bad caller ID: err %v", err)
	}
}
