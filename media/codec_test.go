package media_test

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/parleyhq/parley/media"
)

func tone(n, rate int, f, amp float64) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(math.Round(amp * math.Sin(2*math.Pi*f*float64(i)/float64(rate))))
	}
	return s
}

// power returns the power of s at frequency f, by Goertzel's algorithm.
func power(s []int16, rate int, f float64) float64 {
	c := 2 * math.Cos(2*math.Pi*f/float64(rate))
	var s1, s2 float64
	for _, v := range s {
		s1, s2 = float64(v)+c*s1-s2, s1
	}
	return (s1*s1 + s2*s2 - c*s1*s2) / float64(len(s)*len(s))
}

func TestNewCodec(t *testing.T) {
	tests := []struct {
		f  media.Format
		ok bool
	}{
		{media.PCMU, true},
		{media.PCMA, true},
		{media.Opus, true},
		{media.Format{Name: "pcmu", ClockRate: 8000}, true},
		{media.Format{Name: "OPUS", ClockRate: 48000, Channels: 1}, true},
		{media.Format{Name: "PCMU", ClockRate: 16000}, false},
		{media.Format{Name: "opus", ClockRate: 16000}, false},
		{media.Format{Name: "G722", ClockRate: 8000}, true},
		{media.Format{Name: "g722", ClockRate: 16000}, false},
		{media.Format{}, false},
	}
	for _, tt := range tests {
		enc, err := media.NewEncoder(tt.f)
		checkNew(t, "NewEncoder", tt.f, tt.ok, err)
		if err == nil && enc.Format() != tt.f {
			t.Errorf("NewEncoder(%v).Format() = %v", tt.f, enc.Format())
		}
		dec, err := media.NewDecoder(tt.f)
		checkNew(t, "NewDecoder", tt.f, tt.ok, err)
		if err == nil && dec.Format() != tt.f {
			t.Errorf("NewDecoder(%v).Format() = %v", tt.f, dec.Format())
		}
		_, err = media.NewEncoderFrom(tt.f, 48000)
		checkNew(t, "NewEncoderFrom", tt.f, tt.ok, err)
	}
}

func checkNew(t *testing.T, fn string, f media.Format, ok bool, err error) {
	t.Helper()
	switch {
	case ok && err != nil:
		t.Errorf("%s(%v): %v", fn, f, err)
	case !ok && !errors.Is(err, media.ErrUnsupportedFormat):
		t.Errorf("%s(%v) error = %v, want ErrUnsupportedFormat", fn, f, err)
	case !ok && !strings.Contains(err.Error(), f.Name):
		t.Errorf("%s(%v) error %q does not name the format", fn, f, err)
	}
}

// TestCodecRoundTrip sends a 1 kHz tone at each mixer rate through every
// codec, via NewEncoderFrom, and checks that it comes out of the matching
// decoder at the codec's rate.
func TestCodecRoundTrip(t *testing.T) {
	for _, f := range []media.Format{media.PCMU, media.PCMA, media.Opus, media.G722} {
		for _, rate := range []int{8000, 16000, 48000} {
			t.Run(f.String()+"/from"+strconv.Itoa(rate), func(t *testing.T) {
				enc, err := media.NewEncoderFrom(f, rate)
				if err != nil {
					t.Fatal(err)
				}
				dec, err := media.NewDecoder(f)
				if err != nil {
					t.Fatal(err)
				}
				frame := rate / media.FramesPerSecond
				in := tone(rate/2, rate, 1000, 10000)
				payload := make([]byte, 1500)
				pcm := make([]int16, f.FrameSamples())
				var out []int16
				for i := 0; i+frame <= len(in); i += frame {
					n, err := enc.Encode(in[i:i+frame], payload)
					if err != nil {
						t.Fatal(err)
					}
					m, err := dec.Decode(payload[:n], pcm)
					if err != nil || m != f.FrameSamples() {
						t.Fatalf("Decode = %d, %v, want %d samples", m, err, f.FrameSamples())
					}
					out = append(out, pcm[:m]...)
				}
				tail := out[len(out)/2:]
				want := power(tone(len(tail), f.SampleRate(), 1000, 10000), f.SampleRate(), 1000)
				if db := 10 * math.Log10(power(tail, f.SampleRate(), 1000)/want); math.Abs(db) > 1 {
					t.Errorf("1 kHz comes out at %+.1f dB, want within 1 dB", db)
				}
			})
		}
	}
}

func TestNewEncoderFromErrors(t *testing.T) {
	for _, rate := range []int{0, -8000, 44100, 8001, 12345 * 50} {
		if _, err := media.NewEncoderFrom(media.PCMU, rate); err == nil {
			t.Errorf("NewEncoderFrom(PCMU, %d) succeeded, want an error", rate)
		}
	}
	enc, err := media.NewEncoderFrom(media.Opus, 8000)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enc.Encode(make([]int16, 960), make([]byte, 1500)); err == nil {
		t.Error("Encode of 960 samples into an encoder fed at 8 kHz succeeded, want an error")
	}
	if n, err := enc.Encode(make([]int16, 160), make([]byte, 1500)); err != nil || n == 0 {
		t.Errorf("Encode of 160 samples at 8 kHz = %d, %v", n, err)
	}
}

// TestConcealThroughInterface checks that both codecs' concealment fills a
// whole frame through the media.Decoder interface.
func TestConcealThroughInterface(t *testing.T) {
	for _, f := range []media.Format{media.PCMU, media.PCMA, media.Opus, media.G722} {
		dec, err := media.NewDecoder(f)
		if err != nil {
			t.Fatal(err)
		}
		pcm := make([]int16, f.FrameSamples())
		if n, err := dec.Conceal(nil, pcm); err != nil || n != f.FrameSamples() {
			t.Errorf("%v: Conceal = %d, %v, want %d", f, n, err, f.FrameSamples())
		}
	}
}
