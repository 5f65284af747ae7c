package g711

import "testing"

var benchLaws = []Law{MuLaw, ALaw}

// BenchmarkG711Encode measures encoding one 20 ms frame.
func BenchmarkG711Encode(b *testing.B) {
	for _, law := range benchLaws {
		b.Run(law.String(), func(b *testing.B) {
			enc, err := NewEncoder(law)
			if err != nil {
				b.Fatal(err)
			}
			pcm := voiced(FrameSamples, 125, 8000)
			dst := make([]byte, FrameSamples)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := enc.Encode(pcm, dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkG711Decode measures decoding one 20 ms frame, including its pass
// through the concealer.
func BenchmarkG711Decode(b *testing.B) {
	for _, law := range benchLaws {
		b.Run(law.String(), func(b *testing.B) {
			enc, _ := NewEncoder(law)
			dec, err := NewDecoder(law)
			if err != nil {
				b.Fatal(err)
			}
			payload := make([]byte, FrameSamples)
			enc.Encode(voiced(FrameSamples, 125, 8000), payload)
			pcm := make([]int16, FrameSamples)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := dec.Decode(payload, pcm); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkG711Conceal measures concealing one lost 20 ms frame at the start
// of a loss, the costly case that searches for the pitch.
func BenchmarkG711Conceal(b *testing.B) {
	dec, _ := NewDecoder(MuLaw)
	enc, _ := NewEncoder(MuLaw)
	payload := make([]byte, FrameSamples)
	enc.Encode(voiced(FrameSamples, 125, 8000), payload)
	pcm := make([]int16, FrameSamples)
	b.ReportAllocs()
	for b.Loop() {
		dec.Decode(payload, pcm)
		if _, err := dec.Conceal(nil, pcm); err != nil {
			b.Fatal(err)
		}
	}
}
