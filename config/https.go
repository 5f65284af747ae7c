package config

import (
	"crypto/tls"
	"net/mail"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// This file holds the HTTPS and reverse-proxy settings of the http
// section: http.tls (files or ACME), http.redirect_listen,
// http.trusted_proxies and http.proxy_header.

// HTTPTLS serves http.listen over HTTPS, with a certificate from files
// (Cert and Key) or from an ACME CA (ACME): exactly one of the two.
type HTTPTLS struct {
	// Cert is the path of the PEM certificate chain. It is read again on
	// reload and when the file changes (checked at most every 5 s); a pair
	// that does not load leaves the one in use.
	Cert string `yaml:"cert"`
	// Key is the path of the PEM private key.
	Key string `yaml:"key"`
	// ACME gets and renews certificates automatically; nil when the
	// section is left out.
	ACME *ACME `yaml:"acme"`
	// HSTS is the max-age of the Strict-Transport-Security header sent on
	// every HTTPS response (RFC 6797); 0 sends none. Default: 8760h (a
	// year).
	HSTS time.Duration `yaml:"hsts"`
}

// ACME gets certificates from a CA that speaks ACME (RFC 8555), such as
// Let's Encrypt, on the first HTTPS request for each domain, and renews
// them before they expire. Setting it accepts the CA's terms of service.
// The CA checks the domain over TLS-ALPN-01 on http.listen (which must
// then be reachable on port 443) or HTTP-01 on http.redirect_listen (port
// 80).
type ACME struct {
	// Domains are the host names certificates are asked for; requests
	// for other names get no certificate. Required.
	Domains []string `yaml:"domains"`
	// Email is the contact address the CA sends expiry notices to;
	// optional.
	Email string `yaml:"email"`
	// DirectoryURL is the CA's ACME directory. Default: Let's Encrypt's
	// production directory.
	DirectoryURL string `yaml:"directory_url"`
	// CacheDir keeps the ACME account key and the certificates, so that a
	// restart does not ask again. Default: "acme" beside store.path.
	CacheDir string `yaml:"cache_dir"`
}

// Defaults of the HTTPS settings; default.yaml writes the same values.
const (
	defaultHSTS             = 365 * 24 * time.Hour
	defaultProxyHeader      = "X-Forwarded-For"
	defaultACMEDirectoryURL = "https://acme-v02.api.letsencrypt.org/directory"
)

// applyHTTPSDefaults fills the http settings of this file left out.
func applyHTTPSDefaults(c *Config, src *source) {
	if !src.has("http.proxy_header") {
		c.HTTP.ProxyHeader = defaultProxyHeader
	}
	t := c.HTTP.TLS
	if t == nil {
		return
	}
	if !src.has("http.tls.hsts") {
		t.HSTS = defaultHSTS
	}
	if t.ACME != nil {
		if !src.has("http.tls.acme.directory_url") {
			t.ACME.DirectoryURL = defaultACMEDirectoryURL
		}
		if !src.has("http.tls.acme.cache_dir") {
			t.ACME.CacheDir = filepath.Join(filepath.Dir(c.Store.Path), "acme")
		}
	}
}

// TrustedPrefixes returns http.trusted_proxies as prefixes (a bare IP is
// a prefix of one address); entries that do not parse, which Validate
// reports, are left out.
func (h *HTTP) TrustedPrefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range h.TrustedProxies {
		if p, ok := parseProxy(s); ok {
			out = append(out, p)
		}
	}
	return out
}

// parseProxy reads a CIDR ("10.0.0.0/8") or a bare IP.
func parseProxy(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// https checks http.tls, http.redirect_listen, http.trusted_proxies and
// http.proxy_header. It reads nothing from disk (checkHTTPSFiles does).
func (v *validator) https(h *HTTP) {
	if h.RedirectListen != "" {
		switch err := checkHostPort(h.RedirectListen); {
		case err != nil:
			v.add("http.redirect_listen", "%q: %v", h.RedirectListen, err)
		case h.TLS == nil:
			v.add("http.redirect_listen", "redirects to HTTPS: needs http.tls")
		case h.RedirectListen == h.Listen && !strings.HasSuffix(h.Listen, ":0"):
			v.add("http.redirect_listen", "%q: same address as http.listen", h.RedirectListen)
		}
	}
	for i, s := range h.TrustedProxies {
		if _, ok := parseProxy(s); !ok {
			v.add(index("http.trusted_proxies", i), "%q: want a CIDR such as 10.0.0.0/8, or an IP address", s)
		}
	}
	if !strings.EqualFold(h.ProxyHeader, "X-Forwarded-For") && !strings.EqualFold(h.ProxyHeader, "Forwarded") {
		v.add("http.proxy_header", "%q: want X-Forwarded-For or Forwarded", h.ProxyHeader)
	}
	t := h.TLS
	if t == nil {
		return
	}
	if t.HSTS < 0 {
		v.add("http.tls.hsts", "%s: must not be negative", t.HSTS)
	}
	files := t.Cert != "" || t.Key != ""
	switch {
	case files && t.ACME != nil:
		v.add("http.tls.acme", "give either http.tls.cert and key or http.tls.acme, not both")
	case !files && t.ACME == nil:
		v.add("http.tls", "needs cert and key, or acme")
	case t.Cert == "" && t.ACME == nil:
		v.add("http.tls.key", "needs http.tls.cert too")
	case t.Key == "" && t.ACME == nil:
		v.add("http.tls.cert", "needs http.tls.key too")
	}
	if a := t.ACME; a != nil {
		if len(a.Domains) == 0 {
			v.add("http.tls.acme.domains", "at least one domain is required")
		}
		for i, d := range a.Domains {
			if _, err := netip.ParseAddr(d); err == nil || !validHost(d) {
				v.add(index("http.tls.acme.domains", i), "%q: want a DNS name (no IP address, no wildcard)", d)
			}
		}
		if a.Email != "" {
			if m, err := mail.ParseAddress(a.Email); err != nil || m.Name != "" {
				v.add("http.tls.acme.email", "%q: want an email address", a.Email)
			}
		}
		if u, err := url.Parse(a.DirectoryURL); err != nil || u.Scheme != "https" || u.Host == "" {
			v.add("http.tls.acme.directory_url", "%q: want an https:// URL", a.DirectoryURL)
		}
		if a.CacheDir == "" {
			v.add("http.tls.acme.cache_dir", "required")
		}
	}
}

// checkHTTPSFiles checks that http.tls.cert and key load as a pair; Load
// runs it after Parse, since Parse reads nothing but its input. The error
// is Errors at the line of http.tls.cert.
func (c *Config) checkHTTPSFiles() error {
	t := c.HTTP.TLS
	if t == nil || t.Cert == "" || t.Key == "" {
		return nil
	}
	if _, err := tls.LoadX509KeyPair(t.Cert, t.Key); err != nil {
		v := &validator{src: c.src}
		if v.src != nil {
			v.file = v.src.file
		}
		v.add("http.tls.cert", "%s with key %s: %v", t.Cert, t.Key, err)
		return v.errs
	}
	return nil
}
