package trace

import (
	"bytes"
	"regexp"
)

// inlineKey matches a key of an SDES a=crypto line (RFC 4568 §9.1:
// "inline:" then base64 key||salt, up to "|", ";" or white space).
var inlineKey = regexp.MustCompile(`(?i)(inline:)[A-Za-z0-9+/=]+`)

// MaskKeys returns text with the SRTP keys of its a=crypto lines replaced
// by "***", for logs: a key in a log lets whoever reads it decrypt the
// call. Text without "crypto:" is returned as it is.
func MaskKeys(text []byte) []byte {
	if !bytes.Contains(bytes.ToLower(text), []byte("crypto:")) {
		return text
	}
	return inlineKey.ReplaceAll(text, []byte("${1}***"))
}
