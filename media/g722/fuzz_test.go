package g722

import "testing"

// FuzzDecode feeds arbitrary payloads to the decoder, one after another on
// the same state as a stream would: it must never fail on a payload that
// fits the buffer, never write past it, and always return 2 samples a byte.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{})
	f.Add(make([]byte, FrameBytes))
	f.Add([]byte{0xff, 0x00, 0x7f, 0x80})
	dec, err := NewDecoder()
	if err != nil {
		f.Fatal(err)
	}
	pcm := make([]int16, 2*1500+1)
	f.Fuzz(func(t *testing.T, payload []byte) {
		if len(payload) > 1500 {
			payload = payload[:1500]
		}
		pcm[2*len(payload)] = 12345 // a guard just past the output
		n, err := dec.Decode(payload, pcm[:2*len(payload)])
		if err != nil || n != 2*len(payload) {
			t.Fatalf("Decode(%d bytes) = %d, %v", len(payload), n, err)
		}
		if pcm[2*len(payload)] != 12345 {
			t.Fatal("Decode wrote past its buffer")
		}
	})
}
