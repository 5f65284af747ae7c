package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// TestVerify checks Verify against a signature computed by hand, and that
// it refuses any change to secret, timestamp, body or signature.
func TestVerify(t *testing.T) {
	const secret, ts = "0123456789abcdef", "1700000000"
	body := []byte(`{"type":"joined","room":"1000"}`)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "." + string(body)))
	good := "sha256=" + hex.EncodeToString(m.Sum(nil))
	if got := sign([]byte(secret), ts, body); got != good {
		t.Fatalf("sign() = %s, want %s", got, good)
	}
	tests := []struct {
		name            string
		secret, ts, sig string
		body            []byte
		want            bool
	}{
		{"good", secret, ts, good, body, true},
		{"wrong secret", secret + "x", ts, good, body, false},
		{"empty secret", "", ts, good, body, false},
		{"other timestamp", secret, "1700000001", good, body, false},
		{"empty timestamp", secret, "", good, body, false},
		{"other body", secret, ts, good, []byte(`{"type":"left","room":"1000"}`), false},
		{"no prefix", secret, ts, good[len("sha256="):], body, false},
		{"other prefix", secret, ts, "sha1=" + good[len("sha256="):], body, false},
		{"upper case hex", secret, ts, "sha256=" + string(upper(good[len("sha256="):])), body, true},
		{"truncated", secret, ts, good[:len(good)-2], body, false},
		{"not hex", secret, ts, "sha256=zz", body, false},
		{"empty", secret, ts, "", body, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Verify(tt.secret, tt.ts, tt.body, tt.sig); got != tt.want {
				t.Errorf("Verify() = %v, want %v", got, tt.want)
			}
		})
	}
}

func upper(s string) []byte {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return b
}
