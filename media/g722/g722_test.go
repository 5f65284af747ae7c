package g722

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"os"
	"strings"
	"testing"
)

// tone returns n samples at 16 kHz of a sine of frequency f with peak amp.
func tone(n int, f, amp float64) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(math.Round(amp * math.Sin(2*math.Pi*f*float64(i)/SampleRate)))
	}
	return s
}

// power is the Goertzel power of frequency f in s, normalised by the
// length; the tests compare it only relatively.
func power(s []int16, f float64) float64 {
	w := 2 * math.Cos(2*math.Pi*f/SampleRate)
	var s1, s2 float64
	for _, x := range s {
		s1, s2 = float64(x)+w*s1-s2, s1
	}
	return (s1*s1 + s2*s2 - w*s1*s2) / float64(len(s)*len(s))
}

// roundTrip encodes pcm frame by frame and decodes it again.
func roundTrip(t *testing.T, pcm []int16) (coded []byte, out []int16) {
	t.Helper()
	enc, err := NewEncoder()
	if err != nil {
		t.Fatal(err)
	}
	dec, err := NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	payload := make([]byte, FrameBytes)
	frame := make([]int16, FrameSamples)
	for i := 0; i+FrameSamples <= len(pcm); i += FrameSamples {
		n, err := enc.Encode(pcm[i:i+FrameSamples], payload)
		if err != nil || n != FrameBytes {
			t.Fatalf("Encode = %d, %v; want %d", n, err, FrameBytes)
		}
		coded = append(coded, payload...)
		m, err := dec.Decode(payload, frame)
		if err != nil || m != FrameSamples {
			t.Fatalf("Decode = %d, %v; want %d", m, err, FrameSamples)
		}
		out = append(out, frame...)
	}
	return coded, out
}

// TestRoundTripWideband sends tones through the codec: a tone above the
// 4 kHz of narrowband telephony keeps its level (the wideband promise), and
// a tone does not leak into the other's frequency.
func TestRoundTripWideband(t *testing.T) {
	for _, f := range []float64{1000, 5000, 6000} {
		in := tone(SampleRate, f, 8000)
		_, out := roundTrip(t, in)
		steady := out[SampleRate/4:] // past the codec's start-up and PLCDelay
		want := power(in[SampleRate/4:], f)
		got := power(steady, f)
		if db := 10 * math.Log10(got/want); math.Abs(db) > 1 {
			t.Errorf("%v Hz: level after the round trip %+.2f dB, want within 1 dB", f, db)
		}
		if other := power(steady, 3000); other > want/1000 {
			t.Errorf("%v Hz: 3 kHz holds %.3g of the tone's power, want under 30 dB down", f, other/want)
		}
	}
}

// TestKnownAnswer encodes a fixed signal and decodes the result, comparing
// both with digests made once with this package on Debian's libspandsp
// 0.0.6 (no ITU test vectors are on this machine): it pins the mode
// (64 kbit/s, unpacked) and catches a library that changes the bitstream.
func TestKnownAnswer(t *testing.T) {
	in := make([]int16, SampleRate)
	for i := range in {
		x := float64(i) / SampleRate
		in[i] = int16(6000*math.Sin(2*math.Pi*440*x) + 3000*math.Sin(2*math.Pi*(300+5000*x)*x))
	}
	coded, out := roundTrip(t, in)
	pcm := make([]byte, 2*len(out))
	for i, s := range out {
		pcm[2*i], pcm[2*i+1] = byte(s), byte(uint16(s)>>8)
	}
	got := hex.EncodeToString(coded[:16]) + "\n" + digest(coded) + "\n" + digest(pcm) + "\n"
	want, err := os.ReadFile("testdata/known_answer.txt")
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("known answer differs:\n got %s\nwant %s", strings.ReplaceAll(got, "\n", " "), strings.ReplaceAll(string(want), "\n", " "))
	}
}

func digest(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func TestErrors(t *testing.T) {
	enc, err := NewEncoder()
	if err != nil {
		t.Fatal(err)
	}
	dec, err := NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		err   error
		short bool
	}{
		{"odd sample count", func() error { _, err := enc.Encode(make([]int16, 3), make([]byte, 2)); return err }(), false},
		{"short payload buffer", func() error { _, err := enc.Encode(make([]int16, 4), make([]byte, 1)); return err }(), true},
		{"short pcm buffer", func() error { _, err := dec.Decode(make([]byte, 4), make([]int16, 7)); return err }(), true},
		{"short conceal buffer", func() error { _, err := dec.Conceal(nil, make([]int16, FrameSamples-1)); return err }(), true},
	}
	for _, tt := range tests {
		if tt.err == nil {
			t.Errorf("%s: no error", tt.name)
		} else if errors.Is(tt.err, io.ErrShortBuffer) != tt.short {
			t.Errorf("%s: %v, short buffer %v, want %v", tt.name, tt.err, !tt.short, tt.short)
		}
	}
}

// TestConceal loses one frame of a steady tone: the substitute carries the
// tone on (not silence), and decoding resumes after it.
func TestConceal(t *testing.T) {
	enc, err := NewEncoder()
	if err != nil {
		t.Fatal(err)
	}
	dec, err := NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	in := tone(10*FrameSamples, 300, 8000)
	payload := make([]byte, FrameBytes)
	frame := make([]int16, FrameSamples)
	var concealed []int16
	for i := range 10 {
		if _, err := enc.Encode(in[i*FrameSamples:(i+1)*FrameSamples], payload); err != nil {
			t.Fatal(err)
		}
		if i == 8 {
			if n, err := dec.Conceal(payload, frame); err != nil || n != FrameSamples {
				t.Fatalf("Conceal = %d, %v", n, err)
			}
			concealed = append(concealed, frame...)
			continue
		}
		if _, err := dec.Decode(payload, frame); err != nil {
			t.Fatal(err)
		}
	}
	// The first 5 ms of the substitute are at full level.
	if p := power(concealed[:80], 300) / power(in[:80], 300); p < 0.25 {
		t.Errorf("concealed frame starts at %.2f of the tone's power, want a continuation", p)
	}
}
