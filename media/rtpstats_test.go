package media

import (
	"testing"
	"time"
)

// feed runs seqs through fresh statistics, 20 ms apart at 8 kHz, with
// timestamps that follow the sequence numbers (a perfectly timed sender).
func feed(seqs []uint16) *receiveStats {
	r := &receiveStats{clockRate: 8000}
	for i, s := range seqs {
		r.update(9, s, uint32(s)*160, int64(i)*int64(20*time.Millisecond))
	}
	return r
}

// span returns from, from+1, ... n numbers, wrapping at 65536, leaving out
// one in every dropEvery, mid-run (0: none).
func span(from uint16, n, dropEvery int) []uint16 {
	var out []uint16
	for i := range n {
		if dropEvery > 0 && i%dropEvery == dropEvery/2 {
			continue
		}
		out = append(out, from+uint16(i))
	}
	return out
}

func TestReceiveStatsLoss(t *testing.T) {
	tests := []struct {
		name               string
		seqs               []uint16
		expected, received uint32
		lost               int32
		extMax             uint32
	}{
		{"in order", span(100, 1000, 0), 1000, 1000, 0, 1099},
		{"every 20th lost", span(100, 1000, 20), 1000, 950, 50, 1099},
		{"wrap", span(65500, 100, 0), 100, 100, 0, 65536 + 63},
		{"wrap with loss", span(65500, 200, 20), 200, 190, 10, 65536 + 163},
		{"reordered", []uint16{1, 2, 4, 3, 5, 7, 6, 8}, 8, 8, 0, 8},
		{"reordered across wrap", []uint16{65534, 0, 65535, 1, 2}, 5, 5, 0, 65536 + 2},
		{"duplicate", []uint16{1, 2, 2, 3}, 3, 4, -1, 3},
		{"one jump ignored", []uint16{1, 2, 30000, 3, 4}, 4, 4, 0, 4},
		{"restart after two jumps", []uint16{1, 2, 30000, 30001, 30002}, 2, 2, 0, 30002},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := feed(tt.seqs)
			if got := r.expected(); got != tt.expected {
				t.Errorf("expected = %d, want %d", got, tt.expected)
			}
			if r.received != tt.received {
				t.Errorf("received = %d, want %d", r.received, tt.received)
			}
			if got := r.lost(); got != tt.lost {
				t.Errorf("lost = %d, want %d", got, tt.lost)
			}
			if got := r.extendedMax(); got != tt.extMax {
				t.Errorf("extended max = %d, want %d", got, tt.extMax)
			}
		})
	}
}

func TestReceiveStatsFraction(t *testing.T) {
	r := feed(span(0, 1000, 20))
	if got := r.interval(); got != 12 { // 50/1000 of 256 = 12.8, truncated
		t.Errorf("fraction lost = %d/256, want 12", got)
	}
	if got := r.interval(); got != 0 {
		t.Errorf("fraction lost of an empty interval = %d, want 0", got)
	}
}

func TestReceiveStatsNewSSRC(t *testing.T) {
	r := feed(span(100, 50, 0))
	r.update(10, 7, 0, 0)
	if r.ssrc != 10 || r.expected() != 1 || r.received != 1 {
		t.Errorf("after a new SSRC: ssrc %d expected %d received %d, want 10 1 1", r.ssrc, r.expected(), r.received)
	}
}

func TestReceiveStatsJitter(t *testing.T) {
	tests := []struct {
		name     string
		offsetMS func(i int) int // arrival offset from the perfect time
		lo, hi   uint32          // jitter in RTP units (8 kHz)
	}{
		{"steady", func(int) int { return 0 }, 0, 0},
		// Arrivals alternately 10 ms late and on time: |D| = 80 units
		// every packet, so J converges to 80.
		{"alternating 10 ms", func(i int) int { return 10 * (i % 2) }, 75, 80},
		{"constant delay", func(int) int { return 30 }, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &receiveStats{clockRate: 8000}
			for i := range 500 {
				at := int64(i)*int64(20*time.Millisecond) + int64(tt.offsetMS(i))*int64(time.Millisecond)
				r.update(1, uint16(i), uint32(i)*160, at)
			}
			if got := r.jitterRTP(); got < tt.lo || got > tt.hi {
				t.Errorf("jitter = %d units, want %d-%d", got, tt.lo, tt.hi)
			}
		})
	}
}

func BenchmarkReceiveStats(b *testing.B) {
	r := &receiveStats{clockRate: 8000}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.update(1, uint16(i), uint32(i)*160, int64(i)*20_000_000)
	}
}
