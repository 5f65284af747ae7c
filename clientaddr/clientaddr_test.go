package clientaddr

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func prefixes(ss ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

func TestOf(t *testing.T) {
	proxy := prefixes("10.0.0.0/8", "127.0.0.1/32", "2001:db8:ffff::/48")
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		header  Header
		peer    string
		values  []string // of the header read (X-Forwarded-For unless header is set)
		other   []string // of the other header, which must be ignored
		want    string
	}{
		{"no trusted proxy: the header is ignored", nil, "", "203.0.113.9:4000", []string{"198.51.100.2"}, nil, "203.0.113.9"},
		{"untrusted peer: the header is ignored", proxy, "", "203.0.113.9:4000", []string{"198.51.100.2"}, nil, "203.0.113.9"},
		{"trusted peer, no header", proxy, "", "10.0.0.1:4000", nil, nil, "10.0.0.1"},
		{"trusted peer, empty header", proxy, "", "10.0.0.1:4000", []string{" , "}, nil, "10.0.0.1"},
		{"one hop", proxy, "", "10.0.0.1:4000", []string{"198.51.100.2"}, nil, "198.51.100.2"},
		{"a forged hop on the left is skipped", proxy, "", "10.0.0.1:4000", []string{"192.0.2.1, 198.51.100.2"}, nil, "198.51.100.2"},
		{"a chain of trusted proxies", proxy, "", "10.0.0.1:4000", []string{"198.51.100.2, 10.1.2.3,10.0.0.7"}, nil, "198.51.100.2"},
		{"every hop trusted: the farthest", proxy, "", "10.0.0.1:4000", []string{"10.9.9.9, 10.1.2.3"}, nil, "10.9.9.9"},
		{"repeated header lines continue the list", proxy, "", "10.0.0.1:4000", []string{"192.0.2.1", "198.51.100.2, 10.0.0.3"}, nil, "198.51.100.2"},
		{"unknown on the right: the proxy that wrote it", proxy, "", "10.0.0.1:4000", []string{"198.51.100.2, unknown"}, nil, "10.0.0.1"},
		{"garbage behind a trusted hop: that hop", proxy, "", "10.0.0.1:4000", []string{"198.51.100.2, x y, 10.0.0.5"}, nil, "10.0.0.5"},
		{"hop with a port", proxy, "", "10.0.0.1:4000", []string{"198.51.100.2:5555"}, nil, "198.51.100.2"},
		{"IPv6 hop", proxy, "", "10.0.0.1:4000", []string{"2001:db8::1"}, nil, "2001:db8::1"},
		{"bracketed IPv6 hop with a port", proxy, "", "10.0.0.1:4000", []string{"[2001:db8::1]:80"}, nil, "2001:db8::1"},
		{"bracketed IPv6 hop", proxy, "", "10.0.0.1:4000", []string{"[2001:db8::1]"}, nil, "2001:db8::1"},
		{"zone dropped", proxy, "", "10.0.0.1:4000", []string{"fe80::1%eth0"}, nil, "fe80::1"},
		{"mapped IPv4 hop", proxy, "", "10.0.0.1:4000", []string{"::ffff:198.51.100.2"}, nil, "198.51.100.2"},
		{"mapped IPv4 peer is trusted by an IPv4 prefix", proxy, "", "[::ffff:127.0.0.1]:4000", []string{"198.51.100.2"}, nil, "198.51.100.2"},
		{"IPv6 proxy", proxy, "", "[2001:db8:ffff::1]:4000", []string{"198.51.100.2"}, nil, "198.51.100.2"},
		{"X-Forwarded-For read, Forwarded ignored", proxy, XForwardedFor, "10.0.0.1:4000", []string{"198.51.100.2"}, []string{"for=192.0.2.1"}, "198.51.100.2"},
		{"Forwarded read, X-Forwarded-For ignored", proxy, Forwarded, "10.0.0.1:4000", nil, []string{"192.0.2.1"}, "10.0.0.1"},
		{"Forwarded", proxy, Forwarded, "10.0.0.1:4000", []string{"for=192.0.2.60;proto=http;by=203.0.113.43"}, nil, "192.0.2.60"},
		{"Forwarded, quoted IPv6 with port", proxy, Forwarded, "10.0.0.1:4000", []string{`for="[2001:db8:cafe::17]:4711"`}, nil, "2001:db8:cafe::17"},
		{"Forwarded, two elements", proxy, Forwarded, "10.0.0.1:4000", []string{"for=192.0.2.43, for=198.51.100.17"}, nil, "198.51.100.17"},
		{"Forwarded, trusted hop skipped", proxy, Forwarded, "10.0.0.1:4000", []string{"for=192.0.2.43;proto=https, For=10.2.2.2"}, nil, "192.0.2.43"},
		{"Forwarded, escapes in a quoted string", proxy, Forwarded, "10.0.0.1:4000", []string{`for="192.0.2.\43"`}, nil, "192.0.2.43"},
		{"Forwarded, two lines", proxy, Forwarded, "10.0.0.1:4000", []string{"for=192.0.2.43", "for=198.51.100.17;by=10.0.0.1"}, nil, "198.51.100.17"},
		{"Forwarded, empty elements", proxy, Forwarded, "10.0.0.1:4000", []string{" , for=192.0.2.43 ,"}, nil, "192.0.2.43"},
		{"Forwarded, unknown", proxy, Forwarded, "10.0.0.1:4000", []string{"for=192.0.2.43, for=unknown"}, nil, "10.0.0.1"},
		{"Forwarded, obfuscated", proxy, Forwarded, "10.0.0.1:4000", []string{"for=_hidden"}, nil, "10.0.0.1"},
		{"Forwarded, element without for", proxy, Forwarded, "10.0.0.1:4000", []string{"for=192.0.2.43, proto=https"}, nil, "10.0.0.1"},
		{"Forwarded, two for in an element", proxy, Forwarded, "10.0.0.1:4000", []string{"for=192.0.2.43;for=198.51.100.17"}, nil, "10.0.0.1"},
		{"Forwarded, empty value", proxy, Forwarded, "10.0.0.1:4000", []string{"for="}, nil, "10.0.0.1"},
		{"Forwarded, unterminated quote", proxy, Forwarded, "10.0.0.1:4000", []string{`for="192.0.2.43`}, nil, "10.0.0.1"},
		{"Forwarded, bad line spoils all", proxy, Forwarded, "10.0.0.1:4000", []string{"for=192.0.2.43", "for 198.51.100.17"}, nil, "10.0.0.1"},
		{"Forwarded, unquoted IPv6 is not a token", proxy, Forwarded, "10.0.0.1:4000", []string{"for=[2001:db8::1]"}, nil, "10.0.0.1"},
		{"unparsable peer", proxy, "", "@", []string{"198.51.100.2"}, nil, "invalid IP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := New(tc.trusted, tc.header)
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.peer
			read, other := string(p.header), string(Forwarded)
			if p.header == Forwarded {
				other = string(XForwardedFor)
			}
			for _, v := range tc.values {
				r.Header.Add(read, v)
			}
			for _, v := range tc.other {
				r.Header.Add(other, v)
			}
			if got := p.Of(r).String(); got != tc.want {
				t.Errorf("Of = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestHandler(t *testing.T) {
	var seen string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r.RemoteAddr })
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		peer    string
		xff     string
		want    string
	}{
		{"no trusted proxy", nil, "127.0.0.1:4000", "198.51.100.2", "127.0.0.1:4000"},
		{"trusted proxy", prefixes("127.0.0.0/8"), "127.0.0.1:4000", "198.51.100.2", "198.51.100.2"},
		{"trusted proxy, no header", prefixes("127.0.0.0/8"), "127.0.0.1:4000", "", "127.0.0.1:4000"},
		{"untrusted peer", prefixes("10.0.0.0/8"), "127.0.0.1:4000", "198.51.100.2", "127.0.0.1:4000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.peer
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			New(tc.trusted, "").Handler(h).ServeHTTP(httptest.NewRecorder(), r)
			if seen != tc.want {
				t.Errorf("RemoteAddr = %q, want %q", seen, tc.want)
			}
		})
	}
}
