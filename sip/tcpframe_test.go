package sip

import (
	"testing"
)

// count feeds data to a new framer in chunks of size step (all at once
// when step ≤ 0) and returns the messages completed and whether one is
// still open.
func count(t testing.TB, data []byte, step int) (int, bool) {
	var f framer
	n := 0
	for len(data) > 0 {
		chunk := data
		if step > 0 && step < len(chunk) {
			chunk = chunk[:step]
		}
		data = data[len(chunk):]
		for len(chunk) > 0 {
			used, done := f.feed(chunk)
			if used <= 0 {
				t.Fatalf("feed used %d of %d bytes", used, len(chunk))
			}
			if done {
				n++
			}
			chunk = chunk[used:]
		}
	}
	return n, f.inMessage()
}

func TestFramer(t *testing.T) {
	const options = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h\r\nContent-Length: 0\r\n\r\n"
	const invite = "INVITE sip:a@b SIP/2.0\r\nl: 5\r\n\r\nv=0\r\n"
	tests := []struct {
		name string
		data string
		msgs int
		open bool
	}{
		{"keep-alive only", "\r\n\r\n\r\n", 0, false},
		{"one message", options, 1, false},
		{"keep-alives around", "\r\n\r\n" + options + "\r\n", 1, false},
		{"compact content length and body", invite, 1, false},
		{"body split off", invite[:len(invite)-2], 0, true},
		{"two in a row", options + invite, 2, false},
		{"half-sent header", "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n", 0, true},
		{"bare line feeds", "OPTIONS sip:a@b SIP/2.0\nContent-Length: 2\n\nok", 1, false},
		{"spaced header name", "BYE sip:a SIP/2.0\r\nContent-Length : 3\r\n\r\nabc", 1, false},
		{"malformed length is no body", "BYE sip:a SIP/2.0\r\nContent-Length: x\r\n\r\n", 1, false},
	}
	for _, tt := range tests {
		for _, step := range []int{0, 1, 7} {
			msgs, open := count(t, []byte(tt.data), step)
			if msgs != tt.msgs || open != tt.open {
				t.Errorf("%s (step %d): %d messages, open %v; want %d, %v", tt.name, step, msgs, open, tt.msgs, tt.open)
			}
		}
	}
}

// FuzzFramer: the framer always makes progress and finds the same
// boundaries however TCP splits the stream.
func FuzzFramer(f *testing.F) {
	f.Add([]byte("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n\r\n\r\n"), 3)
	f.Add([]byte("INVITE sip:a@b SIP/2.0\r\nl: 5\r\n\r\nv=0\r\nBYE sip:a SIP/2.0\r\n\r\n"), 1)
	f.Add([]byte("X\r\nContent-Length: 99999999999999999999\r\n\r\n"), 2)
	f.Fuzz(func(t *testing.T, data []byte, step int) {
		whole, openWhole := count(t, data, 0)
		split, openSplit := count(t, data, step%64)
		if whole != split || openWhole != openSplit {
			t.Fatalf("whole: %d messages, open %v; split by %d: %d, %v", whole, openWhole, step%64, split, openSplit)
		}
	})
}
