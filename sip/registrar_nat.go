package sip

import (
	"net"
	"net/netip"
	"strconv"
	"strings"

	gosip "github.com/emiago/sipgo/sip"
)

// destination is where a REGISTER came from and whether that shows NAT.
type destination struct {
	source    string // host:port the request came from
	transport string // lower case
	ip        netip.Addr
	nat       bool // the top Via's sent-by is not the source address
}

// destination works out from req whether the phone is behind NAT: its Via
// sent-by (host and port, default 5060 or 5061) is not the address the
// request came from (RFC 3581 §4; for TCP and TLS this is the usual case,
// and sending back over the phone's own connection is what RFC 5626 §5.3
// asks for).
func (r *Registrar) destination(req *gosip.Request) destination {
	d := destination{source: req.Source(), transport: strings.ToLower(req.Transport())}
	src, err := netip.ParseAddrPort(d.source)
	if err != nil {
		return d
	}
	d.ip = src.Addr().Unmap()
	via := req.Via()
	port := via.Port
	if port == 0 {
		port = 5060
		if strings.EqualFold(via.Transport, "TLS") {
			port = 5061
		}
	}
	host, err := netip.ParseAddr(strings.Trim(via.Host, "[]"))
	d.nat = err != nil || host.Unmap() != d.ip || uint16(port) != src.Port()
	return d
}

// contactNAT reports the other sign of NAT: the Contact holds a private
// address while the request came from a public one.
func (d destination) contactNAT(u gosip.Uri) bool {
	if !d.ip.IsValid() {
		return false
	}
	h, err := netip.ParseAddr(strings.Trim(u.Host, "[]"))
	return err == nil && h.Unmap().IsPrivate() && !d.ip.IsPrivate() && !d.ip.IsLoopback()
}

// contactTarget is the host:port and transport to reach u directly (RFC
// 3263 §4 for numeric hosts; names are left to the sender to resolve).
func contactTarget(u gosip.Uri) (hostport, transport string) {
	transport = "udp"
	if u.IsEncrypted() {
		transport = "tls"
	}
	if v, ok := u.UriParams.Get("transport"); ok && v != "" {
		transport = strings.ToLower(v)
		if u.IsEncrypted() && transport == "tcp" {
			transport = "tls"
		}
	}
	port := u.Port
	if port == 0 {
		port = 5060
		if transport == "tls" {
			port = 5061
		}
	}
	return net.JoinHostPort(strings.Trim(u.Host, "[]"), strconv.Itoa(port)), transport
}
