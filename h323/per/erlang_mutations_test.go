package per_test

import (
	"bytes"
	"math/rand"
	"testing"

	"github.com/parleyhq/parley/h323/per"
	"github.com/parleyhq/parley/internal/erlper"
)

// TestErlangMutations feeds Go and Erlang the same damaged messages: every
// message of the captures with a bit flipped, an octet replaced or the end
// cut off (a fixed pseudo-random sequence, so every run tries the same
// inputs). Where both decode a message and both can encode it again (a
// value with an unknown extension alternative cannot be), the two
// re-encodings must be equal; what Go decodes, Erlang must decode too.
// Go refusing what Erlang takes is allowed and logged: Go is the stricter
// on non-minimal and unterminated OBJECT IDENTIFIER arcs, constrained
// numbers above their range, characters outside a permitted alphabet,
// octets left over in an open type (X.690/X.691 rule all of these out) and
// unpaired UTF-16 surrogates in a BMPString.
func TestErlangMutations(t *testing.T) {
	const perMessage = 50
	erl := erlper.Start(t)
	r := rand.New(rand.NewSource(16))
	var both, goStricter, compared int
	for _, v := range captureVectors(t) {
		typ, err := per.H323().Type(v.module, v.typ)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.b) == 0 {
			continue
		}
		for i := 0; i < perMessage; i++ {
			b := append([]byte{}, v.b...)
			switch r.Intn(3) {
			case 0:
				b[r.Intn(len(b))] ^= 1 << r.Intn(8)
			case 1:
				b[r.Intn(len(b))] = byte(r.Intn(256))
			case 2:
				b = b[:r.Intn(len(b))]
			}
			value, goErr := typ.Decode(b)
			_, erlErr := erl.Show(v.module, v.typ, b)
			switch {
			case goErr != nil && erlErr != nil:
				both++
			case goErr != nil:
				goStricter++
				t.Logf("%s: %x: Go refuses (%v), Erlang decodes", v.name, b, goErr)
			case erlErr != nil:
				t.Errorf("%s: %x: Go decodes, Erlang refuses: %.200v", v.name, b, erlErr)
			default:
				goBytes, err := typ.Encode(value)
				erlBytes, err2 := erl.Reencode(v.module, v.typ, b)
				if err != nil || err2 != nil {
					continue // an unknown extension alternative, or a missing mandatory addition
				}
				compared++
				if !bytes.Equal(goBytes, erlBytes) {
					t.Errorf("%s: %x: re-encodings differ:\nGo:     %x\nErlang: %x", v.name, b, goBytes, erlBytes)
				}
			}
		}
	}
	t.Logf("%d refused by both, %d by Go only, %d decoded by both and re-encoded equal or not", both, goStricter, compared)
	if compared < 1000 {
		t.Errorf("only %d damaged messages decoded by both: the test lost its reach", compared)
	}
}
