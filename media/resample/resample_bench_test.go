package resample

import (
	"fmt"
	"testing"
)

// BenchmarkResample measures one 20 ms frame through each conversion the
// mixer uses.
func BenchmarkResample(b *testing.B) {
	pairs := [][2]int{{8000, 48000}, {48000, 8000}, {16000, 48000}, {48000, 16000}, {8000, 16000}, {16000, 8000}}
	for _, p := range pairs {
		b.Run(fmt.Sprintf("%dto%d", p[0]/1000, p[1]/1000), func(b *testing.B) {
			r := mustNew(b, p[0], p[1])
			in := tone(p[0]/50, p[0], 1000, 10000)
			out := make([]int16, p[1]/50)
			b.ReportAllocs()
			for b.Loop() {
				out = r.Process(in, out)
			}
		})
	}
}
