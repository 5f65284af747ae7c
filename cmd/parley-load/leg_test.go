package main

import (
	"math"
	"testing"
	"time"
)

// TestRxStatsJitter feeds a receiver packets 20 ms apart with known
// arrival delays and checks the RFC 3550 jitter, its maximum and the late
// count, also when the RTP timestamp wraps past 2^32 inside the window
// (which once read as a jitter of 33,554,432 ms: 2^32 units ÷ 16 at 8 kHz).
func TestRxStatsJitter(t *testing.T) {
	epoch := time.Date(2026, 12, 7, 7, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		rate      int
		firstTS   uint32
		firstSeq  uint16
		delays    []time.Duration // extra arrival delay of each packet
		order     []int           // arrival order of the packets; nil: in order
		maxJitter float64         // ms, with a tolerance of 0.01
		late      int
	}{
		{name: "steady", rate: 8000, firstTS: 1000, delays: make([]time.Duration, 50)},
		{name: "steady across the 8 kHz timestamp wrap", rate: 8000, firstTS: math.MaxUint32 - 160*10 + 1,
			firstSeq: 65530, delays: make([]time.Duration, 50)},
		{name: "steady across the 48 kHz timestamp wrap", rate: 48000, firstTS: math.MaxUint32 - 960*3,
			delays: make([]time.Duration, 50)},
		// One packet 16 ms late: D = 16 ms for it and for the next.
		{name: "one late packet across the wrap", rate: 8000, firstTS: math.MaxUint32 - 160*2 + 1,
			delays:    []time.Duration{0, 0, 0, 16 * time.Millisecond, 0, 0},
			maxJitter: jitterAfter(0, 0, 16, 16)},
		// 80 ms behind the quickest: late (over 60 ms).
		{name: "a late packet counts", rate: 8000, firstTS: 7,
			delays:    []time.Duration{0, 0, 80 * time.Millisecond, 0},
			maxJitter: jitterAfter(0, 80, 80), late: 1},
		// Packet 2 arrives before packet 1, across the wrap: a negative
		// timestamp step, not a jump of 2^32. Transits 0, -20, 20, 0 ms:
		// D = 20, 40, 20 ms.
		{name: "reordered across the wrap", rate: 8000, firstTS: math.MaxUint32 - 160 + 1,
			delays: []time.Duration{0, 0, 0, 0}, order: []int{0, 2, 1, 3},
			maxJitter: jitterAfter(20, 40, 20)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			step := uint32(tc.rate / framesPerSec)
			order := tc.order
			if order == nil {
				for i := range tc.delays {
					order = append(order, i)
				}
			}
			s := rxStats{counting: true}
			for k, i := range order {
				// In order, packet i arrives at i×20 ms plus its delay;
				// reordered, the k-th to arrive does so at k×20 ms.
				at := epoch.Add(time.Duration(i)*20*time.Millisecond + tc.delays[i])
				if tc.order != nil {
					at = epoch.Add(time.Duration(k) * 20 * time.Millisecond)
				}
				s.add(at, tc.firstSeq+uint16(i), tc.firstTS+uint32(i)*step, tc.rate, nil, false)
			}
			if got := s.maxJitter * 1000; math.Abs(got-tc.maxJitter) > 0.01 {
				t.Errorf("max jitter %.4f ms, want %.4f", got, tc.maxJitter)
			}
			if s.late != tc.late {
				t.Errorf("late %d, want %d", s.late, tc.late)
			}
			if s.received != len(tc.delays) {
				t.Errorf("received %d, want %d", s.received, len(tc.delays))
			}
		})
	}
}

// jitterAfter is RFC 3550's estimate, J += (|D| - J)/16, after the
// transit differences ds (ms), from 0.
func jitterAfter(ds ...float64) float64 {
	j := 0.0
	for _, d := range ds {
		j += (d - j) / 16
	}
	return j
}
