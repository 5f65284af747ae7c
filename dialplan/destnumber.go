package dialplan

import (
	"fmt"
	"strings"
)

// userNumber reads the user part of a SIP target addressed to a trunk as
// the number the trunk will be asked to call, so that the allow patterns
// see what the trunk sees: percent-escapes decoded ("%2B44…" is "+44…"),
// the visual separators of RFC 3966 §5.1.1 ("-", ".", "(", ")") and spaces
// dropped by parseNumber, and a phone-context of global number digits
// prefixed to a local number (RFC 3966 §5.1.5: "1234;phone-context=+4420"
// is "+44201234"). Any other user parameter (isub, ext, postd, a domain
// phone-context) is refused: it would make the trunk dial something the
// patterns did not check. It returns the number, or a reason.
func userNumber(user string) (string, string) {
	decoded, ok := percentDecode(user)
	if !ok {
		return "", fmt.Sprintf("user %q has a bad percent-escape", user)
	}
	num, params, _ := strings.Cut(decoded, ";")
	context := ""
	if params != "" {
		for _, p := range strings.Split(params, ";") {
			name, value, _ := strings.Cut(p, "=")
			if !strings.EqualFold(name, "phone-context") || context != "" {
				return "", fmt.Sprintf("user parameter %q is not accepted on a trunk", p)
			}
			context = value
		}
	}
	n, err := parseNumber(num)
	if err != nil || n.Kind != KindNumber && n.Kind != KindExtension {
		return "", fmt.Sprintf("user %q is not a phone number", user)
	}
	if context == "" {
		return n.Number, ""
	}
	if strings.HasPrefix(n.Number, "+") {
		return "", fmt.Sprintf("user %q: a global number takes no phone-context", user)
	}
	if !strings.HasPrefix(context, "+") {
		return "", fmt.Sprintf("user %q: only a phone-context of global digits (+44…) is accepted", user)
	}
	full, err := parseNumber(context + n.Number)
	if err != nil || full.Kind != KindNumber {
		return "", fmt.Sprintf("user %q: phone-context and number make no E.164 number", user)
	}
	return full.Number, ""
}
