package opus

import "testing"

// BenchmarkOpusEncode measures encoding one 20 ms frame of 48 kHz mono.
func BenchmarkOpusEncode(b *testing.B) {
	enc, err := NewEncoder(0)
	if err != nil {
		b.Fatal(err)
	}
	in := speechLike(SampleRate)
	dst := make([]byte, MaxPayload)
	frames := len(in) / FrameSamples
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		f := in[i*FrameSamples : (i+1)*FrameSamples]
		if _, err := enc.Encode(f, dst); err != nil {
			b.Fatal(err)
		}
		i = (i + 1) % frames
	}
}

// BenchmarkOpusDecode measures decoding one 20 ms frame to 48 kHz mono.
func BenchmarkOpusDecode(b *testing.B) {
	packets := encodeAll(b, speechLike(SampleRate))
	dec, err := NewDecoder()
	if err != nil {
		b.Fatal(err)
	}
	pcm := make([]int16, FrameSamples)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dec.Decode(packets[i], pcm); err != nil {
			b.Fatal(err)
		}
		i = (i + 1) % len(packets)
	}
}

// BenchmarkOpusConceal measures concealing one lost 20 ms frame.
func BenchmarkOpusConceal(b *testing.B) {
	packets := encodeAll(b, speechLike(SampleRate))
	dec, err := NewDecoder()
	if err != nil {
		b.Fatal(err)
	}
	pcm := make([]int16, FrameSamples)
	b.ReportAllocs()
	for b.Loop() {
		dec.Decode(packets[0], pcm)
		if _, err := dec.Conceal(nil, pcm); err != nil {
			b.Fatal(err)
		}
	}
}
