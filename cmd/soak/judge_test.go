package main

import (
	"strings"
	"testing"
	"time"
)

// run10 is ten samples 10 s apart with every leg up from the first, RSS
// and goroutines given per sample, and a garbage collection between each.
func run10(legs int, rss, goroutines func(i int) int64, calls func(i int) int64) []sample {
	out := make([]sample, 10)
	for i := range out {
		out[i] = sample{at: time.Duration(i+1) * 10 * time.Second, rssKiB: rss(i), goroutines: goroutines(i),
			fds: 100, cpuPercent: 20, callsActive: calls(i), gcs: int64(i)}
	}
	return out
}

// noGC sets every sample's collection count to the first's.
func noGC(s []sample) []sample {
	for i := range s {
		s[i].gcs = 0
	}
	return s
}

func flat(v int64) func(int) int64 { return func(int) int64 { return v } }

func TestJudge(t *testing.T) {
	j := judgement{legs: 500, warmup: 20 * time.Second, holdEnd: 100 * time.Second, tolerance: 0.05}
	tests := []struct {
		name    string
		samples []sample
		fail    string // a substring of the one failure expected; "" passes
	}{
		{"flat", run10(500, flat(100_000), flat(2000), flat(500)), ""},
		{"noise within 5%", run10(500, func(i int) int64 { return 100_000 + int64(i%3)*2000 }, flat(2000), flat(500)), ""},
		{"RSS grows 2% a sample", run10(500, func(i int) int64 { return 100_000 + int64(i)*2000 }, flat(2000), flat(500)), "RSS KiB not flat"},
		{"goroutine leak", run10(500, flat(100_000), func(i int) int64 { return 2000 + int64(i)*50 }, flat(500)), "goroutines not flat"},
		{"growth only in warm-up is not judged", run10(500, func(i int) int64 { return min(100_000, 50_000+int64(i)*25_000) }, flat(2000), flat(500)), ""},
		{"a leg drops", run10(500, flat(100_000), flat(2000), func(i int) int64 { return 500 - int64(i/7) }), "499 of 500 legs active at 1m20s"},
		{"never all up", run10(500, flat(100_000), flat(2000), flat(498)), "only 498 of 500"},
		{"a leg drops in the warm-up", run10(500, flat(100_000), flat(2000), func(i int) int64 { return 500 - int64(i%2) }), "499 of 500 legs active at 20s"},
		{"too short", run10(500, flat(100_000), flat(2000), flat(500))[:4], "too few to judge"},
		{"no sample after the warm-up", run10(500, flat(100_000), flat(2000), flat(500))[:2], "0 samples between 30s and 1m40s"},
		{"no collection: RSS judged from the warm-up", noGC(run10(500, flat(100_000), flat(2000), flat(500))), ""},
		{"no collection and RSS rising", noGC(run10(500, func(i int) int64 { return 100_000 + int64(i)*2000 }, flat(2000), flat(500))), "RSS KiB not flat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := judge(tt.samples, j)
			switch {
			case tt.fail == "" && !v.ok():
				t.Fatalf("failed: %v", v.failures)
			case tt.fail != "" && (len(v.failures) != 1 || !strings.Contains(v.failures[0], tt.fail)):
				t.Fatalf("failures %q, want one with %q", v.failures, tt.fail)
			}
		})
	}
}

func TestJudgeWindow(t *testing.T) {
	// Legs come up at 30 s; the warm-up ends at 50 s and the next garbage
	// collection is seen at 60 s; the first hang-up is due at 90 s:
	// samples at 50..90 s are judged, RSS from 60 s. RSS rising until the
	// collection, and a spike after the hold, are not judged.
	var s []sample
	for i := 1; i <= 12; i++ {
		smp := sample{at: time.Duration(i) * 10 * time.Second, rssKiB: 100_000, goroutines: 2000, callsActive: 500,
			cpuPercent: float64(i), gcs: 3}
		if i < 3 {
			smp.callsActive = int64(i * 200)
		}
		if i <= 5 {
			smp.rssKiB = 60_000 + int64(i)*6_000
		}
		if i >= 6 {
			smp.gcs = 4
		}
		if i == 10 {
			smp.rssKiB = 200_000
		}
		s = append(s, smp)
	}
	v := judge(s, judgement{legs: 500, warmup: 20 * time.Second, holdEnd: 90 * time.Second, tolerance: 0.05})
	if !v.ok() {
		t.Fatalf("failed: %v", v.failures)
	}
	if v.allUpAt != 30*time.Second || v.judgedFrom != 50*time.Second || v.rssFrom != 60*time.Second || v.judged != 5 {
		t.Errorf("all up at %s, judged from %s, RSS from %s, %d judged: want 30s, 50s, 1m0s, 5",
			v.allUpAt, v.judgedFrom, v.rssFrom, v.judged)
	}
	if v.rss.upValue != 78_000 || v.rss.first != 100_000 || v.rss.max != 100_000 {
		t.Errorf("RSS at all up %d, first judged %d, max %d: want 78000, 100000, 100000", v.rss.upValue, v.rss.first, v.rss.max)
	}
	if v.cpuMean != 7 || v.cpuMax != 9 {
		t.Errorf("CPU mean %.1f max %.1f, want 7 and 9 (samples 5..9)", v.cpuMean, v.cpuMax)
	}
}

func TestWarmupFor(t *testing.T) {
	for _, tt := range []struct{ d, want time.Duration }{
		{time.Hour, 6 * time.Minute},
		{10 * time.Minute, 2 * time.Minute},
		{20 * time.Second, 10 * time.Second},
	} {
		if got := warmupFor(tt.d); got != tt.want {
			t.Errorf("warmupFor(%s) = %s, want %s", tt.d, got, tt.want)
		}
	}
}
