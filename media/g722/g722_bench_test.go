package g722

import "testing"

// BenchmarkEncode is the cost of one 20 ms frame (320 samples at 16 kHz).
func BenchmarkEncode(b *testing.B) {
	enc, err := NewEncoder()
	if err != nil {
		b.Fatal(err)
	}
	pcm := tone(FrameSamples, 1000, 8000)
	dst := make([]byte, FrameBytes)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := enc.Encode(pcm, dst); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode is the cost of one 20 ms payload (160 bytes), the
// concealer's bookkeeping included.
func BenchmarkDecode(b *testing.B) {
	enc, _ := NewEncoder()
	dec, err := NewDecoder()
	if err != nil {
		b.Fatal(err)
	}
	payload := make([]byte, FrameBytes)
	if _, err := enc.Encode(tone(FrameSamples, 1000, 8000), payload); err != nil {
		b.Fatal(err)
	}
	pcm := make([]int16, FrameSamples)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dec.Decode(payload, pcm); err != nil {
			b.Fatal(err)
		}
	}
}
