package config

import (
	"net/netip"
	"strings"
)

// Dialout limits the calls out that moderators place.
type Dialout struct {
	// DirectAllow lists where a direct SIP target (#sip:USER@HOST or a
	// sip: URI whose host is no trunk's) may go: IP addresses
	// ("192.0.2.10"), CIDR networks ("192.0.2.0/24") or domains
	// ("example.com", which also allows every name under it on a dot
	// boundary; "*.example.com" is the same). It is checked on the
	// normalised, resolved destination. Empty (the default) allows any host
	// that is no trunk's; production should set it.
	DirectAllow []string `yaml:"direct_allow"`
}

// dialout checks each direct_allow entry's form; the bridge reads them.
func (v *validator) dialout(d *Dialout) {
	for i, e := range d.DirectAllow {
		if !validHostPattern(e) {
			v.add(index("dialout.direct_allow", i), "%q: want an IP address, a CIDR network (192.0.2.0/24) or a domain (example.com)", e)
		}
	}
}

// validHostPattern reports whether s is an IP address, a CIDR network or
// a domain name, optionally written "*.example.com" or "example.com.".
func validHostPattern(s string) bool {
	s = strings.TrimSpace(s)
	if strings.IndexByte(s, '/') >= 0 {
		_, err := netip.ParsePrefix(s)
		return err == nil
	}
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return a.Zone() == ""
	}
	d := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(s, "*"), "."), ".")
	if d == "" || !validHost(d) {
		return false
	}
	last := d[strings.LastIndexByte(d, '.')+1:]
	return last[0] < '0' || last[0] > '9' // 127.1 is an address spelt short, not a domain
}
