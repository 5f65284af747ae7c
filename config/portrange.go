package config

import (
	"errors"
	"strconv"
	"strings"
)

// PortRange is an inclusive range of UDP ports, written "MIN-MAX" in the
// config ("10000-20000").
type PortRange struct {
	// Min is the lowest port of the range; RTP takes even ports from here
	// and RTCP the odd port above each (RFC 3550 §11).
	Min int
	// Max is the highest port of the range, inclusive.
	Max int
}

// ParsePortRange parses "MIN-MAX". Both ends must be ports (1-65535) and MIN
// must be below MAX; further limits are Validate's job.
func ParsePortRange(s string) (PortRange, error) {
	lo, hi, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return PortRange{}, errors.New(`want "MIN-MAX"`)
	}
	min, err := parsePort(lo)
	if err != nil {
		return PortRange{}, errors.New("min " + err.Error())
	}
	max, err := parsePort(hi)
	if err != nil {
		return PortRange{}, errors.New("max " + err.Error())
	}
	if min >= max {
		return PortRange{}, errors.New("min must be below max")
	}
	return PortRange{Min: min, Max: max}, nil
}

// parsePort parses a decimal port number 1-65535.
func parsePort(s string) (int, error) {
	s = strings.TrimSpace(s)
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, errors.New("is not a number")
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, errors.New("is not a port (1-65535)")
	}
	return n, nil
}

// String formats r as "MIN-MAX".
func (r PortRange) String() string {
	return strconv.Itoa(r.Min) + "-" + strconv.Itoa(r.Max)
}

// Size returns how many ports the range holds.
func (r PortRange) Size() int { return r.Max - r.Min + 1 }

// MarshalText implements encoding.TextMarshaler as "MIN-MAX".
func (r PortRange) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParsePortRange.
func (r *PortRange) UnmarshalText(b []byte) error {
	v, err := ParsePortRange(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}
