package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// The headers of a delivery; see the package documentation.
const (
	// HeaderEvent carries the event type.
	HeaderEvent = "X-Parley-Event"
	// HeaderDelivery carries the delivery ID, the same on every retry.
	HeaderDelivery = "X-Parley-Delivery"
	// HeaderTimestamp carries the attempt's time in Unix seconds.
	HeaderTimestamp = "X-Parley-Timestamp"
	// HeaderSignature carries "sha256=" and the hex HMAC-SHA256 of
	// timestamp + "." + body under the hook's secret.
	HeaderSignature = "X-Parley-Signature"
)

// signaturePrefix names the MAC in the signature header.
const signaturePrefix = "sha256="

// mac returns HMAC-SHA256(secret, timestamp + "." + body).
func mac(secret []byte, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// sign returns the X-Parley-Signature value for body sent at timestamp.
func sign(secret []byte, timestamp string, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, timestamp, body))
}

// Verify reports whether signature, the X-Parley-Signature header of a
// request, is the signature of body sent at timestamp, the
// X-Parley-Timestamp header, under secret. It compares in constant time and
// is false for an empty secret. It checks the signature only: a receiver
// must also refuse stale timestamps and repeated delivery IDs, as the
// package documentation describes.
func Verify(secret string, timestamp string, body []byte, signature string) bool {
	if secret == "" || timestamp == "" {
		return false
	}
	hexSig, ok := strings.CutPrefix(signature, signaturePrefix)
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	return hmac.Equal(got, mac([]byte(secret), timestamp, body))
}
