package media

import (
	"math"
	"testing"
)

func TestMOSFromR(t *testing.T) {
	tests := []struct{ r, mos float64 }{
		{-5, 1}, {0, 1}, {50, 2.575}, {60, 3.1}, {70, 3.6}, {80, 4.024}, {90, 4.340},
		{93.2, 4.409}, {100, 4.5}, {120, 4.5},
	}
	for _, tt := range tests {
		if got := MOSFromR(tt.r); math.Abs(got-tt.mos) > 0.005 {
			t.Errorf("MOSFromR(%v) = %.3f, want %.3f", tt.r, got, tt.mos)
		}
	}
}

func TestEModelR(t *testing.T) {
	tests := []struct {
		name          string
		codec         string
		loss, delayMS float64
		r             float64
	}{
		{"perfect G.711", "PCMU", 0, 0, 93.2},
		{"G.711 150 ms", "PCMA", 0, 150, 93.2 - 3.6},
		// Beyond 177.3 ms the delay costs 0.134 per ms.
		{"G.711 300 ms", "PCMU", 0, 300, 93.2 - 7.2 - 0.11*122.7},
		// Ie,eff = 95 * 5 / (5 + 25.1) = 15.78.
		{"G.711 5% loss", "PCMU", 5, 0, 93.2 - 95*5/30.1},
		{"G.729 clean", "G729", 0, 0, 82.2},
		{"G.729 2% loss", "g729", 2, 0, 93.2 - 11 - 84*2/21.0},
		{"unknown codec rated as G.711", "speex", 5, 0, 93.2 - 95*5/30.1},
		{"loss above 100 clamped", "PCMU", 250, 0, 93.2 - 95*100/125.1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EModelR(tt.codec, tt.loss, tt.delayMS); math.Abs(got-tt.r) > 1e-9 {
				t.Errorf("R = %v, want %v", got, tt.r)
			}
		})
	}
}

func TestEstimateMOS(t *testing.T) {
	clean := Quality{Received: 100}
	clean.estimateMOS("PCMU")
	lossy := Quality{Received: 100, LossIn: 5}
	lossy.estimateMOS("PCMU")
	far := Quality{Received: 100, Reported: true, LossOut: 10}
	far.estimateMOS("PCMU")
	none := Quality{}
	none.estimateMOS("PCMU")
	if !(clean.MOS > 4.3 && lossy.MOS < clean.MOS-0.4 && far.MOS < lossy.MOS) {
		t.Errorf("MOS clean %.2f, 5%% in %.2f, 10%% out %.2f: want falling", clean.MOS, lossy.MOS, far.MOS)
	}
	if none.MOS != 0 {
		t.Errorf("MOS with nothing received = %v, want 0", none.MOS)
	}
}
