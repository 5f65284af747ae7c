package g729

import (
	"errors"
	"io"
	"math"
	"testing"
)

// tone returns n samples at 8 kHz of a sine of frequency f with peak amp.
func tone(n int, f, amp float64) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(math.Round(amp * math.Sin(2*math.Pi*f*float64(i)/SampleRate)))
	}
	return s
}

// encodeAll encodes pcm, a whole number of 20 ms frames, into payloads.
func encodeAll(t testing.TB, pcm []int16) [][]byte {
	t.Helper()
	enc, err := NewEncoder()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for i := 0; i+FrameSamples <= len(pcm); i += FrameSamples {
		buf := make([]byte, PayloadBytes)
		n, err := enc.Encode(pcm[i:i+FrameSamples], buf)
		if err != nil {
			t.Fatal(err)
		}
		if n != PayloadBytes {
			t.Fatalf("Encode returned %d bytes, want %d", n, PayloadBytes)
		}
		out = append(out, buf)
	}
	return out
}

// decodeAll decodes payloads in order into one signal.
func decodeAll(t testing.TB, dec *Decoder, payloads [][]byte) []int16 {
	t.Helper()
	var out []int16
	pcm := make([]int16, 4*FrameSamples)
	for _, p := range payloads {
		n, err := dec.Decode(p, pcm)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, pcm[:n]...)
	}
	return out
}

// rms returns the root mean square of s.
func rms(s []int16) float64 {
	var e float64
	for _, v := range s {
		e += float64(v) * float64(v)
	}
	return math.Sqrt(e / float64(len(s)))
}

// goertzel returns the amplitude of frequency f in s, sampled at 8 kHz.
func goertzel(s []int16, f float64) float64 {
	w := 2 * math.Pi * f / SampleRate
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range s {
		s1, s2 = float64(v)+c*s1-s2, s1
	}
	p := s1*s1 + s2*s2 - c*s1*s2
	return 2 * math.Sqrt(math.Max(p, 0)) / float64(len(s))
}

// dominant returns the frequency, in 5 Hz steps from 100 to 3900 Hz, with
// the largest amplitude in s.
func dominant(s []int16) float64 {
	best, bestAmp := 0.0, 0.0
	for f := 100.0; f < 3900; f += 5 {
		if a := goertzel(s, f); a > bestAmp {
			best, bestAmp = f, a
		}
	}
	return best
}

// alignedSNR returns the waveform SNR, in dB, of out against in at the lag,
// up to maxLag samples, that fits best.
func alignedSNR(in, out []int16, maxLag int) (float64, int) {
	best, lag := math.Inf(-1), 0
	for l := 0; l <= maxLag; l++ {
		var sig, noise float64
		for n := SampleRate / 5; n+l < len(out) && n < len(in); n++ {
			x, e := float64(in[n]), float64(out[n+l])-float64(in[n])
			sig += x * x
			noise += e * e
		}
		if s := 10 * math.Log10(sig/noise); s > best {
			best, lag = s, l
		}
	}
	return best, lag
}

// TestRoundTrip encodes a 1000 Hz tone and checks that the decoded signal
// keeps its frequency and level; G.729 is a lossy speech codec, so the
// waveform SNR is logged and held to a floor, not to transparency.
func TestRoundTrip(t *testing.T) {
	in := tone(2*SampleRate, 1000, 8000)
	dec, err := NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	out := decodeAll(t, dec, encodeAll(t, in))
	if len(out) != len(in) {
		t.Fatalf("decoded %d samples, want %d", len(out), len(in))
	}
	tail := out[len(out)/2:]
	level := 20 * math.Log10(rms(tail)/rms(in[len(in)/2:]))
	f := dominant(tail)
	snr, lag := alignedSNR(in, out, 200)
	t.Logf("level %+.2f dB, dominant %.0f Hz, SNR %.1f dB at lag %d", level, f, snr, lag)
	if math.Abs(level) > 2 {
		t.Errorf("decoded level off by %.2f dB, want within 2 dB", level)
	}
	if math.Abs(f-1000) > 10 {
		t.Errorf("dominant frequency %.0f Hz, want 1000 Hz", f)
	}
	if snr < 5 {
		t.Errorf("waveform SNR %.1f dB, want at least 5 dB", snr)
	}
}

// sid is an Annex B SID frame: LSP indices and a mid-range energy.
var sid = []byte{0x43, 0x28}

func TestDecodeSID(t *testing.T) {
	voice := encodeAll(t, tone(SampleRate/2, 1000, 8000))
	tests := []struct {
		name    string
		payload []byte
		want    int
	}{
		{"sid alone is 20 ms of comfort noise", sid, FrameSamples},
		{"voice frame then sid", append(append([]byte{}, voice[0][:CodecFrameBytes]...), sid...), FrameSamples},
		{"two voice frames then sid", append(append([]byte{}, voice[1]...), sid...), FrameSamples + CodecFrameSamples},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec, err := NewDecoder()
			if err != nil {
				t.Fatal(err)
			}
			decodeAll(t, dec, voice[:10])
			pcm := make([]int16, 4*FrameSamples)
			n, err := dec.Decode(tt.payload, pcm)
			if err != nil || n != tt.want {
				t.Fatalf("Decode = %d, %v, want %d, nil", n, err, tt.want)
			}
			// After a SID, a lost packet continues the comfort noise.
			pcm2 := make([]int16, FrameSamples)
			if _, err := dec.Conceal(nil, pcm2); err != nil {
				t.Fatal(err)
			}
			noise := rms(pcm2)
			if noise == 0 || noise > 4000 {
				t.Errorf("comfort noise rms %.0f, want some noise well below the tone", noise)
			}
			if a := goertzel(pcm2, 1000); a > 1000 {
				t.Errorf("1000 Hz amplitude %.0f in comfort noise, want the tone gone", a)
			}
		})
	}
}

// TestConceal loses packets in the middle of a tone and checks that the
// concealment continues it at about its pitch and level, and that decoding
// resumes afterwards.
func TestConceal(t *testing.T) {
	payloads := encodeAll(t, tone(SampleRate, 1000, 8000))
	dec, err := NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	decodeAll(t, dec, payloads[:25])
	pcm := make([]int16, FrameSamples)
	n, err := dec.Conceal(payloads[26], pcm)
	if err != nil || n != FrameSamples {
		t.Fatalf("Conceal = %d, %v, want %d, nil", n, err, FrameSamples)
	}
	// 20 ms resolve frequencies to 50 Hz; bcg729 attenuates what it
	// repeats (G.729 §4.4), about 7 dB in the first lost packet.
	if f := dominant(pcm); math.Abs(f-1000) > 50 {
		t.Errorf("concealed frame's dominant frequency %.0f Hz, want about 1000 Hz", f)
	}
	if level := 20 * math.Log10(rms(pcm)/(8000/math.Sqrt2)); level < -10 || level > 3 {
		t.Errorf("concealed frame's level %+.1f dB, want within -10 to +3 dB", level)
	}
	out := decodeAll(t, dec, payloads[26:])
	tail := out[len(out)/2:]
	if f := dominant(tail); math.Abs(f-1000) > 10 {
		t.Errorf("after the loss, dominant frequency %.0f Hz, want 1000 Hz", f)
	}
	if _, err := dec.Conceal(nil, make([]int16, FrameSamples-1)); !errors.Is(err, io.ErrShortBuffer) {
		t.Errorf("Conceal into a short buffer: %v, want io.ErrShortBuffer", err)
	}
}

func TestDecodeMalformed(t *testing.T) {
	dec, err := NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, 4*FrameSamples)
	for _, n := range []int{0, 1, 3, 9, 11, 13, 19, 21, 23, 25} {
		if got, err := dec.Decode(make([]byte, n), pcm); err == nil {
			t.Errorf("Decode of %d bytes = %d, nil; want an error", n, got)
		}
	}
	if _, err := dec.Decode(make([]byte, 40), make([]int16, FrameSamples)); !errors.Is(err, io.ErrShortBuffer) {
		t.Errorf("Decode of 40 bytes into 160 samples: %v, want io.ErrShortBuffer", err)
	}
}

func TestSamples(t *testing.T) {
	tests := []struct {
		bytes, want int
	}{
		{2, FrameSamples}, {10, 80}, {12, 160}, {20, 160}, {22, 240}, {30, 240},
	}
	for _, tt := range tests {
		if got, err := Samples(tt.bytes); err != nil || got != tt.want {
			t.Errorf("Samples(%d) = %d, %v, want %d", tt.bytes, got, err, tt.want)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	enc, err := NewEncoder()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enc.Encode(make([]int16, FrameSamples-1), make([]byte, PayloadBytes)); err == nil {
		t.Error("Encode of 159 samples succeeded, want an error")
	}
	if _, err := enc.Encode(make([]int16, FrameSamples), make([]byte, PayloadBytes-1)); !errors.Is(err, io.ErrShortBuffer) {
		t.Errorf("Encode into 19 bytes: %v, want io.ErrShortBuffer", err)
	}
}
