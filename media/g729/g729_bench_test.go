package g729

import "testing"

// BenchmarkG729Encode measures encoding one 20 ms frame (two G.729 frames).
func BenchmarkG729Encode(b *testing.B) {
	enc, err := NewEncoder()
	if err != nil {
		b.Fatal(err)
	}
	in := tone(SampleRate, 1000, 8000)
	dst := make([]byte, PayloadBytes)
	frames, i := len(in)/FrameSamples, 0
	b.ReportAllocs()
	for b.Loop() {
		if _, err := enc.Encode(in[i*FrameSamples:(i+1)*FrameSamples], dst); err != nil {
			b.Fatal(err)
		}
		i = (i + 1) % frames
	}
}

// BenchmarkG729Decode measures decoding one 20 ms payload.
func BenchmarkG729Decode(b *testing.B) {
	payloads := encodeAll(b, tone(SampleRate, 1000, 8000))
	dec, err := NewDecoder()
	if err != nil {
		b.Fatal(err)
	}
	pcm := make([]int16, FrameSamples)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dec.Decode(payloads[i], pcm); err != nil {
			b.Fatal(err)
		}
		i = (i + 1) % len(payloads)
	}
}

// BenchmarkG729Conceal measures decoding one payload and concealing the
// lost 20 ms packet after it.
func BenchmarkG729Conceal(b *testing.B) {
	payloads := encodeAll(b, tone(SampleRate, 1000, 8000))
	dec, err := NewDecoder()
	if err != nil {
		b.Fatal(err)
	}
	pcm := make([]int16, FrameSamples)
	b.ReportAllocs()
	for b.Loop() {
		dec.Decode(payloads[0], pcm)
		if _, err := dec.Conceal(nil, pcm); err != nil {
			b.Fatal(err)
		}
	}
}
