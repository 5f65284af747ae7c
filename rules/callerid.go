package rules

import (
	"fmt"
	"strings"
)

// MaxE164Digits is the most digits of an international number after its
// "+" (ITU-T E.164 §6: country code and national number together).
const MaxE164Digits = 15

// CallerID checks a caller ID presented on calls out (a trunk's or room's
// caller_id, a dial request's) and a dial-in number shown in join
// information: an E.164 number, "+" then a non-zero digit and 1 to 14 more
// digits (ITU-T E.164 §6, RFC 3966 §5.1.4 global-number-digits without
// visual separators), or a national string of 1 to MaxNumberLen digits.
// The error quotes s.
func CallerID(s string) error {
	if !validCallerID(s) {
		return fmt.Errorf("%q: want E.164 (+441632960000) or digits", s)
	}
	return nil
}

func validCallerID(s string) bool {
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		return len(rest) >= 2 && len(rest) <= MaxE164Digits && rest[0] != '0' && IsDigits(rest)
	}
	return len(s) <= MaxNumberLen && IsDigits(s)
}
