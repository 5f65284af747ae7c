package trace

import (
	"bytes"
	"testing"
)

// FuzzCallID: CallID reads any bytes without panicking and returns a
// value that is in the message, trimmed.
func FuzzCallID(f *testing.F) {
	f.Add([]byte(invite))
	f.Add([]byte(okCompact))
	f.Add([]byte("\r\n\r\nBYE sip:x SIP/2.0\ni:\n\n"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		id := CallID(msg)
		if !bytes.Contains(msg, []byte(id)) || id != string(bytes.TrimSpace([]byte(id))) {
			t.Fatalf("CallID = %q, not a trimmed part of the message", id)
		}
	})
}
