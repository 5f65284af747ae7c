package config

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
)

// redacted is what a Secret shows instead of its value.
const redacted = "REDACTED"

// Secret is a string that must not appear in logs or dumps: passwords, PINs
// and admin tokens. Printing it with fmt, marshalling it to JSON, text or
// YAML, or logging it with log/slog gives "REDACTED" (or "" when it is
// empty), so logging a whole Config leaks nothing. Call Reveal where the
// value is really needed, and Equal to check a credential.
type Secret string

// Reveal returns the secret value itself.
func (s Secret) Reveal() string { return string(s) }

// Equal reports whether v is the secret, in time that does not depend on
// where the two first differ. An empty secret equals nothing, not even "",
// so an unset credential never authenticates.
func (s Secret) Equal(v string) bool {
	if s == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(s), []byte(v)) == 1
}

// mask returns what is shown in place of s.
func (s Secret) mask() string {
	if s == "" {
		return ""
	}
	return redacted
}

// String returns "REDACTED", or "" for an empty secret.
func (s Secret) String() string { return s.mask() }

// GoString returns the masked value quoted, for the %#v verb.
func (s Secret) GoString() string { return `"` + s.mask() + `"` }

// Format implements fmt.Formatter so that every verb, including ones that
// make no sense for a string such as %d, prints the masked value.
func (s Secret) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'q', verb == 'v' && f.Flag('#'):
		fmt.Fprint(f, strconv.Quote(s.mask()))
	default:
		fmt.Fprint(f, s.mask())
	}
}

// LogValue implements slog.LogValuer with the masked value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.mask()) }

// MarshalJSON encodes the masked value as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.mask()) }

// MarshalText encodes the masked value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.mask()), nil }

// MarshalYAML implements yaml.Marshaler with the masked value.
func (s Secret) MarshalYAML() (any, error) { return s.mask(), nil }
