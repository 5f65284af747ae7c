package media_test

import (
	"strconv"
	"testing"

	"github.com/parleyhq/parley/media"
)

// TestInbandTap feeds the key '7' as tones (120 ms between silences) and
// expects it once; a Reset between two presses makes them two digits, and
// a stopped tap hears nothing.
func TestInbandTap(t *testing.T) {
	press := func(tap *media.InbandTap, rate int) {
		n := rate / 50
		for i := range 12 {
			pcm := make([]int16, n)
			if i >= 3 && i < 9 {
				pcm = dtmfTone(n, n*i, rate)
			}
			tap.Frame(pcm)
		}
	}
	tests := []struct {
		name    string
		rate    int
		presses int
		stop    bool
		want    string
	}{
		{"8 kHz", 8000, 1, false, "7"},
		{"48 kHz", 48000, 1, false, "7"},
		{"two presses", 8000, 2, false, "77"},
		{"stopped", 8000, 1, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []rune
			tap, err := media.NewInbandTap(tt.rate, func(d rune) { got = append(got, d) })
			if err != nil {
				t.Fatal(err)
			}
			if tt.stop {
				tap.Stop()
			}
			for range tt.presses {
				press(tap, tt.rate)
				tap.Reset()
			}
			if string(got) != tt.want {
				t.Errorf("digits %q, want %q", string(got), tt.want)
			}
		})
	}
	if _, err := media.NewInbandTap(11025, func(rune) {}); err == nil {
		t.Error("a tap at 11025 Hz")
	}
}

// BenchmarkInbandTap is the in-band DTMF stage per decoded 20 ms frame.
func BenchmarkInbandTap(b *testing.B) {
	for _, rate := range []int{8000, 48000} {
		b.Run(strconv.Itoa(rate), func(b *testing.B) {
			tap, err := media.NewInbandTap(rate, func(rune) {})
			if err != nil {
				b.Fatal(err)
			}
			pcm := sine(rate/50, 0, rate, 440, 8000)
			b.ReportAllocs()
			for b.Loop() {
				tap.Frame(pcm)
			}
		})
	}
}
