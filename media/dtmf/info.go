package dtmf

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Errors returned by ParseInfo.
var (
	// ErrBadInfo means a SIP INFO request did not carry a DTMF digit
	// ParseInfo understands. Every ParseInfo error wraps it.
	ErrBadInfo = errors.New("dtmf: bad INFO DTMF body")
	// ErrInfoType means the INFO's Content-Type is neither
	// application/dtmf-relay nor application/dtmf; the SIP layer may
	// answer 415 Unsupported Media Type (RFC 3261 §21.4.13). It comes
	// wrapped together with ErrBadInfo.
	ErrInfoType = errors.New("dtmf: unsupported INFO content type")
)

// The Content-Types ParseInfo reads, lower case.
const (
	// InfoRelayType is the de facto format of Cisco and most phones: lines
	// of Key=Value, of which Signal carries the digit.
	InfoRelayType = "application/dtmf-relay"
	// InfoDTMFType carries the digit alone as the body.
	InfoDTMFType = "application/dtmf"
)

// ParseInfo returns the DTMF digit ('0'-'9', '*', '#', 'A'-'D') a SIP INFO
// request carries. The INFO method is RFC 6086's; the bodies are not
// standardised, so ParseInfo accepts what phones send:
//
//   - application/dtmf-relay: lines, ended by CRLF or LF, of Key=Value,
//     for example "Signal=5\r\nDuration=160\r\n". Keys are
//     case-insensitive and spaces around keys and values are ignored;
//     exactly one Signal line is required and its value is the digit;
//     other keys (Duration) are not read. Blank lines are skipped; a line
//     without '=' is an error.
//   - application/dtmf: the body, spaces trimmed, is the digit.
//
// In both, the digit may also be written as its RFC 4733 event code, 0 to
// 15 (some phones send Signal=10 for '*' and 11 for '#'), and 'a'-'d' are
// read as 'A'-'D'. The Content-Type's parameters and case are ignored.
// Every error wraps ErrBadInfo; one for another Content-Type also wraps
// ErrInfoType.
func ParseInfo(contentType string, body []byte) (rune, error) {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	switch mt {
	case InfoRelayType:
		return parseRelay(body)
	case InfoDTMFType:
		return parseSignal(string(bytes.TrimSpace(body)))
	}
	return 0, fmt.Errorf("%w: %w %q", ErrBadInfo, ErrInfoType, mt)
}

// parseRelay reads an application/dtmf-relay body.
func parseRelay(body []byte) (rune, error) {
	var signal string
	found := false
	for line := range bytes.Lines(body) {
		line = bytes.TrimSpace(line) // also the CR of a CRLF
		if len(line) == 0 {
			continue
		}
		k, v, ok := bytes.Cut(line, []byte("="))
		if !ok {
			return 0, fmt.Errorf("%w: dtmf-relay line %q has no '='", ErrBadInfo, truncate(line))
		}
		if !bytes.EqualFold(bytes.TrimSpace(k), []byte("signal")) {
			continue
		}
		if found {
			return 0, fmt.Errorf("%w: dtmf-relay body has more than one Signal", ErrBadInfo)
		}
		signal, found = string(bytes.TrimSpace(v)), true
	}
	if !found {
		return 0, fmt.Errorf("%w: dtmf-relay body has no Signal", ErrBadInfo)
	}
	return parseSignal(signal)
}

// parseSignal reads one digit, as a character or an event code.
func parseSignal(s string) (rune, error) {
	if len(s) == 1 {
		switch c := s[0]; {
		case c >= '0' && c <= '9', c == '*', c == '#', c >= 'A' && c <= 'D':
			return rune(c), nil
		case c >= 'a' && c <= 'd':
			return rune(c - 'a' + 'A'), nil
		}
	}
	if len(s) <= 2 {
		if code, err := strconv.ParseUint(s, 10, 8); err == nil {
			if d, ok := Digit(uint8(code)); ok {
				return d, nil
			}
		}
	}
	return 0, fmt.Errorf("%w: signal %q is not a DTMF digit", ErrBadInfo, truncate([]byte(s)))
}

// truncate shortens what an error quotes from a body.
func truncate(b []byte) []byte {
	const maxQuote = 32
	if len(b) > maxQuote {
		return b[:maxQuote]
	}
	return b
}
