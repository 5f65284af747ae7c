package h245

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"

	"github.com/parleyhq/parley/h323/per"
)

// ErrMalformed is wrapped by every error about an H.245 message that does
// not decode, or decodes to a value this package cannot read.
var ErrMalformed = errors.New("h245: malformed message")

// messageType is the MULTIMEDIA-SYSTEM-CONTROL MultimediaSystemControlMessage
// type of the embedded H.245 module, looked up once; it is immutable.
var messageType = sync.OnceValues(func() (*per.Type, error) {
	return per.H323().Type("MULTIMEDIA-SYSTEM-CONTROL", "MultimediaSystemControlMessage")
})

// olcType is the OpenLogicalChannel type that fastStart elements encode.
var olcType = sync.OnceValues(func() (*per.Type, error) {
	return per.H323().Type("MULTIMEDIA-SYSTEM-CONTROL", "OpenLogicalChannel")
})

// malformed returns an error wrapping ErrMalformed that names what was wrong.
func malformed(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, a...))
}

// at returns the value at path under v, or v itself for an empty path.
func at(v any, path ...string) any {
	if len(path) == 0 {
		return v
	}
	return per.Get(v, path...)
}

// seqAt returns the SEQUENCE at path under v; a missing or mistyped
// component is an error naming the path.
func seqAt(v any, path ...string) (per.Seq, error) {
	s, ok := at(v, path...).(per.Seq)
	if !ok {
		return nil, malformed("%v: not a sequence", path)
	}
	return s, nil
}

// choiceAt returns the CHOICE at path under v.
func choiceAt(v any, path ...string) (per.Choice, error) {
	c, ok := at(v, path...).(per.Choice)
	if !ok {
		return per.Choice{}, malformed("%v: not a choice", path)
	}
	return c, nil
}

// intAt returns the INTEGER at path under v, which must lie in [lo, hi].
func intAt(v any, lo, hi int64, path ...string) (int, error) {
	var n int64
	switch x := at(v, path...).(type) {
	case int64:
		n = x
	case int:
		n = int64(x)
	default:
		return 0, malformed("%v: not an integer", path)
	}
	if n < lo || n > hi {
		return 0, malformed("%v: %d out of range %d..%d", path, n, lo, hi)
	}
	return int(n), nil
}

// has reports whether the component at path is present under v.
func has(v any, path ...string) bool { return at(v, path...) != nil }

// addrValue encodes a as an H.245 TransportAddress (unicastAddress, iPAddress
// or iP6Address).
func addrValue(a netip.AddrPort) (any, error) {
	if !a.IsValid() {
		return nil, fmt.Errorf("h245: invalid transport address %v", a)
	}
	ip := a.Addr().Unmap()
	name := "iPAddress"
	if ip.Is6() {
		name = "iP6Address"
	}
	return per.Choice{Name: "unicastAddress", Value: per.Choice{Name: name, Value: per.Seq{
		"network":        ip.AsSlice(),
		"tsapIdentifier": int64(a.Port()),
	}}}, nil
}

// addrOf reads an H.245 TransportAddress that must be a unicast IPv4 or IPv6
// address.
func addrOf(v any) (netip.AddrPort, error) {
	u, ok := per.Get(v, "unicastAddress").(per.Choice)
	if !ok {
		return netip.AddrPort{}, malformed("transport address: not unicast")
	}
	if u.Name != "iPAddress" && u.Name != "iP6Address" {
		return netip.AddrPort{}, malformed("transport address: %q unsupported", u.Name)
	}
	b, ok := per.Get(u.Value, "network").([]byte)
	if !ok {
		return netip.AddrPort{}, malformed("transport address: no network")
	}
	ip, ok := netip.AddrFromSlice(b)
	if !ok {
		return netip.AddrPort{}, malformed("transport address: network of %d bytes", len(b))
	}
	port, err := intAt(u.Value, 0, 65535, "tsapIdentifier")
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(ip.Unmap(), uint16(port)), nil
}

// optAddrAt reads the optional TransportAddress at path under v: the zero
// AddrPort when absent.
func optAddrAt(v any, path ...string) (netip.AddrPort, error) {
	a := at(v, path...)
	if a == nil {
		return netip.AddrPort{}, nil
	}
	r, err := addrOf(a)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%v: %w", path, err)
	}
	return r, nil
}

// errorf returns an error prefixed "h245: " for a message this package
// cannot build.
func errorf(format string, a ...any) error {
	return fmt.Errorf("h245: "+format, a...)
}
