package rules

import (
	"errors"
	"fmt"
)

// MaxNumberLen is the most digits a room or extension number has. SIP
// carries the number in a Request-URI's user part, which has no limit of
// its own; 32 digits is over twice the longest E.164 number (ITU-T E.164
// §6: 15 digits) and keeps junk out of the store and the logs.
const MaxNumberLen = 32

// MaxPINLen is the most digits a PIN has: the phone PIN prompt
// (sip/ivr.go) keeps at most 32 of the digits a caller types, so a longer
// PIN could never be entered.
const MaxPINLen = 32

// IsDigits reports whether s is one or more ASCII digits.
func IsDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Number checks a room or extension number, what a caller dials: 1 to
// MaxNumberLen ASCII digits. Room and extension numbers share one dial
// plan, so they follow one rule. The error quotes s.
func Number(s string) error {
	switch {
	case !IsDigits(s):
		return fmt.Errorf("%q: must be digits only", s)
	case len(s) > MaxNumberLen:
		return fmt.Errorf("%q: must be at most %d digits", s, MaxNumberLen)
	}
	return nil
}

// errPINDigits and errPINLong are PIN's errors; they never show the PIN,
// which is a credential.
var (
	errPINDigits = errors.New("must be digits only")
	errPINLong   = fmt.Errorf("must be at most %d digits", MaxPINLen)
)

// PIN checks a room's attendee or moderator PIN, as callers type it on the
// keypad: 1 to MaxPINLen ASCII digits (the caller decides whether an empty
// PIN, meaning none, is allowed). The error does not contain the PIN.
func PIN(s string) error {
	switch {
	case !IsDigits(s):
		return errPINDigits
	case len(s) > MaxPINLen:
		return errPINLong
	}
	return nil
}
