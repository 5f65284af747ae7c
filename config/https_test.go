package config

import (
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestHTTPSSettings: defaults, what a good section gives, and each bad
// value refused with its FILE:LINE.
func TestHTTPSSettings(t *testing.T) {
	c, err := Parse("h.yaml", []byte("rooms: []\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.TLS != nil || c.HTTP.RedirectListen != "" || len(c.HTTP.TrustedProxies) != 0 || c.HTTP.ProxyHeader != "X-Forwarded-For" {
		t.Errorf("defaults: %+v", c.HTTP)
	}
	c, err = Parse("h.yaml", []byte("store:\n  path: /var/lib/parley/parley.db\nhttp:\n  listen: 0.0.0.0:443\n  redirect_listen: 0.0.0.0:80\n"+
		"  trusted_proxies: [10.0.0.0/8, 192.0.2.7, \"2001:db8::/32\"]\n  proxy_header: Forwarded\n"+
		"  tls:\n    acme:\n      domains: [meet.example.com]\n      email: admin@example.com\n"))
	if err != nil {
		t.Fatal(err)
	}
	wantACME := &ACME{Domains: []string{"meet.example.com"}, Email: "admin@example.com",
		DirectoryURL: "https://acme-v02.api.letsencrypt.org/directory", CacheDir: "/var/lib/parley/acme"}
	if tl := c.HTTP.TLS; tl == nil || tl.HSTS != 365*24*time.Hour || !reflect.DeepEqual(tl.ACME, wantACME) {
		t.Errorf("http.tls = %+v, want hsts 8760h and acme %+v", tl, wantACME)
	}
	wantPrefixes := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"), netip.MustParsePrefix("2001:db8::/32")}
	if got := c.HTTP.TrustedPrefixes(); !reflect.DeepEqual(got, wantPrefixes) {
		t.Errorf("TrustedPrefixes = %v, want %v", got, wantPrefixes)
	}

	for _, tt := range []struct{ name, yaml, want string }{
		{"redirect without tls", "http:\n  redirect_listen: 0.0.0.0:80\n", "h.yaml:2: http.redirect_listen: redirects to HTTPS: needs http.tls"},
		{"redirect not an address", "http:\n  tls: {cert: c, key: k}\n  redirect_listen: eighty\n", `h.yaml:3: http.redirect_listen: "eighty": want HOST:PORT`},
		{"redirect on the https port", "http:\n  listen: 0.0.0.0:443\n  tls: {cert: c, key: k}\n  redirect_listen: 0.0.0.0:443\n", `h.yaml:4: http.redirect_listen: "0.0.0.0:443": same address as http.listen`},
		{"bad CIDR", "http:\n  trusted_proxies:\n    - 10.0.0.0/8\n    - 10.0.0.0/33\n", `h.yaml:4: http.trusted_proxies[1]: "10.0.0.0/33": want a CIDR such as 10.0.0.0/8, or an IP address`},
		{"host name as proxy", "http:\n  trusted_proxies: [proxy.example.com]\n", `h.yaml:2: http.trusted_proxies[0]: "proxy.example.com": want a CIDR`},
		{"proxy header", "http:\n  proxy_header: X-Real-IP\n", `h.yaml:2: http.proxy_header: "X-Real-IP": want X-Forwarded-For or Forwarded`},
		{"empty tls", "http:\n  tls: {hsts: 1h}\n", "h.yaml:2: http.tls: needs cert and key, or acme"},
		{"cert without key", "http:\n  tls:\n    cert: c.pem\n", "h.yaml:3: http.tls.cert: needs http.tls.key too"},
		{"key without cert", "http:\n  tls:\n    key: k.pem\n", "h.yaml:3: http.tls.key: needs http.tls.cert too"},
		{"files and acme", "http:\n  tls:\n    cert: c\n    key: k\n    acme: {domains: [a.example]}\n", "h.yaml:5: http.tls.acme: give either http.tls.cert and key or http.tls.acme, not both"},
		{"negative hsts", "http:\n  tls:\n    cert: c\n    key: k\n    hsts: -1s\n", "h.yaml:5: http.tls.hsts: -1s: must not be negative"},
		{"acme without domains", "http:\n  tls:\n    acme:\n      email: a@example.com\n", "h.yaml:3: http.tls.acme.domains: at least one domain is required"},
		{"acme IP domain", "http:\n  tls:\n    acme:\n      domains: [meet.example.com, 192.0.2.1]\n", `h.yaml:4: http.tls.acme.domains[1]: "192.0.2.1": want a DNS name`},
		{"acme wildcard", "http:\n  tls:\n    acme:\n      domains:\n        - \"*.example.com\"\n", `h.yaml:5: http.tls.acme.domains[0]: "*.example.com": want a DNS name`},
		{"acme email", "http:\n  tls:\n    acme:\n      domains: [a.example]\n      email: nobody\n", `h.yaml:5: http.tls.acme.email: "nobody": want an email address`},
		{"acme directory", "http:\n  tls:\n    acme:\n      domains: [a.example]\n      directory_url: http://localhost:14000/dir\n", `h.yaml:5: http.tls.acme.directory_url: "http://localhost:14000/dir": want an https:// URL`},
		{"acme cache dir", "http:\n  tls:\n    acme:\n      domains: [a.example]\n      cache_dir: \"\"\n", `h.yaml:5: http.tls.acme.cache_dir: required`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("h.yaml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// TestHTTPSFiles: Load refuses certificate files that are missing or do
// not make a pair, at the line of http.tls.cert; Parse does not read them.
func TestHTTPSFiles(t *testing.T) {
	dir := t.TempDir()
	abs := func(name string) string {
		p, err := filepath.Abs(filepath.Join("testdata", "https", name))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tt := range []struct{ name, cert, key, want string }{
		{"good pair", abs("cert.pem"), abs("key.pem"), ""},
		{"missing file", abs("cert.pem"), filepath.Join(dir, "none.pem"), "no such file"},
		{"not a certificate", abs("key.pem"), abs("key.pem"), "http.tls.cert: "},
		{"key of another certificate", abs("cert.pem"), abs("other-key.pem"), "private key does not match public key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "parley.yaml")
			yaml := "rooms: []\nhttp:\n  tls:\n    cert: " + tt.cert + "\n    key: " + tt.key + "\n"
			if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := Parse("p.yaml", []byte(yaml)); err != nil {
				t.Errorf("Parse read the files: %v", err)
			}
			_, err := Load(path)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Load: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), path+":4: http.tls.cert: ")):
				t.Errorf("Load error %v, want %s:4: http.tls.cert: … %s", err, path, tt.want)
			}
		})
	}
}
