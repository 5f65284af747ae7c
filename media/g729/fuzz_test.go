package g729

import "testing"

// FuzzDecode feeds arbitrary payloads to the decoder: a length that is not
// 10-byte frames and an optional SID gives an error, anything else decodes
// to Samples' count, and nothing crashes bcg729. The seed corpus is in
// testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{0x43, 0x28})
	f.Add(make([]byte, 20))
	f.Fuzz(func(t *testing.T, payload []byte) {
		dec, err := NewDecoder()
		if err != nil {
			t.Fatal(err)
		}
		pcm := make([]int16, 2*FrameSamples)
		want, werr := Samples(len(payload))
		n, err := dec.Decode(payload, pcm)
		switch {
		case werr != nil && err == nil:
			t.Fatalf("Decode of %d bytes succeeded, Samples says %v", len(payload), werr)
		case werr == nil && want <= len(pcm) && (err != nil || n != want):
			t.Fatalf("Decode of %d bytes = %d, %v, want %d", len(payload), n, err, want)
		}
		if _, err := dec.Conceal(nil, pcm); err != nil {
			t.Fatal(err)
		}
	})
}
