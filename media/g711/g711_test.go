package g711

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

func TestKnownCodes(t *testing.T) {
	tests := []struct {
		law  Law
		pcm  int16
		code byte
	}{
		// G.711 Tables 1a and 2a: zero is the code with all magnitude bits
		// set (μ-law) or the even bits inverted (A-law).
		{MuLaw, 0, 0xFF},
		{ALaw, 0, 0xD5},
		{MuLaw, math.MaxInt16, 0x80},
		{MuLaw, math.MinInt16, 0x00},
		{ALaw, math.MaxInt16, 0xAA},
		{ALaw, math.MinInt16, 0x2A},
	}
	for _, tt := range tests {
		enc, err := NewEncoder(tt.law)
		if err != nil {
			t.Fatal(err)
		}
		var b [1]byte
		if _, err := enc.Encode([]int16{tt.pcm}, b[:]); err != nil {
			t.Fatal(err)
		}
		if b[0] != tt.code {
			t.Errorf("%v: Encode(%d) = %#02x, want %#02x", tt.law, tt.pcm, b[0], tt.code)
		}
	}
}

// TestRoundTrip encodes and decodes a tone and checks that only G.711's
// quantisation noise, about 38 dB down for a loud signal, is added, after
// the PLCDelay the decoder's concealer holds back.
func TestRoundTrip(t *testing.T) {
	for _, law := range []Law{MuLaw, ALaw} {
		t.Run(law.String(), func(t *testing.T) {
			enc, err := NewEncoder(law)
			if err != nil {
				t.Fatal(err)
			}
			dec, err := NewDecoder(law)
			if err != nil {
				t.Fatal(err)
			}
			in := tone(8*FrameSamples, 440, 12000)
			out := make([]int16, 0, len(in))
			payload := make([]byte, FrameSamples)
			pcm := make([]int16, FrameSamples)
			for i := 0; i < len(in); i += FrameSamples {
				n, err := enc.Encode(in[i:i+FrameSamples], payload)
				if err != nil || n != FrameSamples {
					t.Fatalf("Encode = %d, %v", n, err)
				}
				m, err := dec.Decode(payload[:n], pcm)
				if err != nil || m != FrameSamples {
					t.Fatalf("Decode = %d, %v", m, err)
				}
				out = append(out, pcm[:m]...)
			}
			for i := range PLCDelay {
				if out[i] != 0 {
					t.Fatalf("out[%d] = %d, want the silence before the stream", i, out[i])
				}
			}
			var sig, noise float64
			for n := PLCDelay; n < len(out); n++ {
				x, e := float64(in[n-PLCDelay]), float64(out[n]-in[n-PLCDelay])
				sig += x * x
				noise += e * e
			}
			if snr := 10 * math.Log10(sig/noise); snr < 35 {
				t.Errorf("SNR %.1f dB, want >= 35 dB", snr)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	if _, err := NewEncoder(0); !errors.Is(err, ErrUnknownLaw) {
		t.Errorf("NewEncoder(0) error = %v, want ErrUnknownLaw", err)
	}
	if _, err := NewDecoder(3); !errors.Is(err, ErrUnknownLaw) {
		t.Errorf("NewDecoder(3) error = %v, want ErrUnknownLaw", err)
	}
	enc, _ := NewEncoder(MuLaw)
	if _, err := enc.Encode(make([]int16, 160), make([]byte, 159)); !errors.Is(err, io.ErrShortBuffer) {
		t.Errorf("Encode into a short buffer: error = %v, want io.ErrShortBuffer", err)
	}
	dec, _ := NewDecoder(ALaw)
	if _, err := dec.Decode(make([]byte, 160), make([]int16, 80)); !errors.Is(err, io.ErrShortBuffer) {
		t.Errorf("Decode into a short buffer: error = %v, want io.ErrShortBuffer", err)
	}
	if _, err := dec.Conceal(nil, make([]int16, 80)); !errors.Is(err, io.ErrShortBuffer) {
		t.Errorf("Conceal into a short buffer: error = %v, want io.ErrShortBuffer", err)
	}
	if n, err := dec.Conceal(nil, make([]int16, 200)); n != FrameSamples || err != nil {
		t.Errorf("Conceal = %d, %v, want %d, nil", n, err, FrameSamples)
	}
}

func TestLawString(t *testing.T) {
	for law, want := range map[Law]string{MuLaw: "PCMU", ALaw: "PCMA", 9: "Law(9)"} {
		if got := law.String(); got != want {
			t.Errorf("Law(%d).String() = %q, want %q", uint8(law), got, want)
		}
	}
}
