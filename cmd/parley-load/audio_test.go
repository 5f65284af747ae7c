package main

import (
	"math"
	"testing"
)

func TestMeasureTones(t *testing.T) {
	for _, tc := range []struct {
		name  string
		send  []float64
		check []float64
		want  []bool
	}{
		{"one tone", []float64{440}, []float64{440, 660}, []bool{true, false}},
		{"three summed", []float64{440, 660, 880}, []float64{440, 660, 880, 1100}, []bool{true, true, true, false}},
		{"silence", nil, []float64{440}, []bool{false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var frames [][][]byte
			for _, f := range tc.send {
				frames = append(frames, toneFrames(f))
			}
			// Mix in the linear domain, one second's frames, as a bridge does.
			var ulaw []byte
			for f := range framesPerSec {
				for i := range frameSamples {
					var sum float64
					for _, fr := range frames {
						sum += float64(decode(fr[f][i]))
					}
					ulaw = append(ulaw, encode(sum))
				}
			}
			got := measureTones(ulaw, tc.check)
			for i, l := range got {
				if l.present() != tc.want[i] {
					t.Errorf("%v Hz at %.1f dBFS: present = %v, want %v", l.Freq, l.DBFS, l.present(), tc.want[i])
				}
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	xs := []float64{5, 1, 4, 2, 3}
	for _, tc := range []struct{ p, want float64 }{{50, 3}, {99, 5}, {0, 1}, {100, 5}} {
		if got := percentile(xs, tc.p); got != tc.want {
			t.Errorf("percentile(%v) = %v, want %v", tc.p, got, tc.want)
		}
	}
	if !math.IsNaN(percentile(nil, 50)) {
		t.Error("percentile of nothing is not NaN")
	}
}
