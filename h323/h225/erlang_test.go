package h225

import (
	"bytes"
	"testing"

	"github.com/parleyhq/parley/internal/erlper"
)

// TestErlangDecodes has Erlang's erlc -bper codec (internal/erlper), which
// shares no code with h323/per, decode every message of messages and encode
// it again: the bytes must be the ones Encode wrote.
func TestErlangDecodes(t *testing.T) {
	erl := erlper.Start(t)
	for name, m := range messages(t) {
		b, err := Encode(m)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		e, err := erl.Reencode("H323-MESSAGES", "H323-UserInformation", b)
		if err != nil {
			t.Errorf("%s: Erlang cannot decode %x: %v", name, b, err)
		} else if !bytes.Equal(e, b) {
			t.Errorf("%s: Erlang re-encodes\n%x\nas\n%x", name, b, e)
		}
	}
}
