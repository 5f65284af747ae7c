package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// The tables printed at the end of a run.

// printTable writes the results as a Markdown table, and, for each N
// measured on both bridges, the ratio of Janus's CPU per leg to Parley's.
func printTable(w io.Writer, sc scenario, rs []result) {
	fmt.Fprintf(w, "\n### %s\n\n%s.\n\n", sc.Title, sc.Describe)
	fmt.Fprintln(w, "| bridge | legs | CPU µs/leg/s | core % | RSS KiB/leg | delivered | lost | late | jitter p50/p99/max ms | ticks p50/p99 ms | late ticks | latency p50/p99 ms (n) | tones at a listener | set-up s | gen. lag ms |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | --- | --- | ---: | ---: |")
	for _, r := range rs {
		if r.Skipped != "" {
			fmt.Fprintf(w, "| %s | %d | — | — | — | — | — | — | — | — | — | — | — (%s) | — | — |\n", r.Bridge, r.Legs, r.Skipped)
			continue
		}
		ticks, late := "—", "—"
		if r.HasTicks {
			ticks = fmt.Sprintf("≤%s / ≤%s", ms(r.Ticks.P50MS), ms(r.Ticks.P99MS))
			late = fmt.Sprintf("%.3f%%", 100*r.Ticks.LateRate())
		}
		latency := "—"
		if len(r.Latencies) > 0 {
			latency = fmt.Sprintf("%.0f / %.0f (%d)", percentile(r.Latencies, 50), percentile(r.Latencies, 99), len(r.Latencies))
		}
		fmt.Fprintf(w, "| %s | %d | %.0f | %.0f | %.1f | %.2f%% | %d | %d | %.1f / %.1f / %.1f | %s | %s | %s | %s | %.1f | %.1f |\n",
			r.Bridge, r.Legs, r.CPUPerLegUS(), r.CorePercent(), r.RSSPerLegKiB(), 100*r.Delivered(), r.Lost, r.Late,
			r.JitterP50MS, r.JitterP99MS, r.JitterMaxMS, ticks, late, latency, tones(r), r.SetupSeconds,
			float64(r.SenderLag.Microseconds())/1000)
	}
	for _, r := range rs {
		if r.SenderLag > maxSenderLag {
			fmt.Fprintf(w, "\n**%s, %d legs: the load generator fell %.0f ms behind its 20 ms schedule: its core was not its own, and the figures of this row are not to be trusted.**\n",
				r.Bridge, r.Legs, float64(r.SenderLag.Microseconds())/1000)
		}
	}
	byLegs := map[int]map[string]result{}
	for _, r := range rs {
		if byLegs[r.Legs] == nil {
			byLegs[r.Legs] = map[string]result{}
		}
		byLegs[r.Legs][r.Bridge] = r
	}
	for _, r := range rs {
		p, ok1 := byLegs[r.Legs]["Parley"]
		j, ok2 := byLegs[r.Legs]["Janus"]
		if r.Bridge != "Parley" || !ok1 || !ok2 || j.Skipped != "" {
			continue
		}
		fmt.Fprintf(w, "\n%d legs: Janus %.0f µs/leg/s, Parley %.0f: Parley cheaper by %.2f×.", r.Legs,
			j.CPUPerLegUS(), p.CPUPerLegUS(), j.CPUPerLegUS()/p.CPUPerLegUS())
	}
	fmt.Fprintln(w)
}

// maxSenderLag is how late a round of sends may start before the run is
// marked untrustworthy: one packet period.
const maxSenderLag = 20 * time.Millisecond

// ms formats a bucket bound in ms (+Inf as ∞).
func ms(v float64) string {
	if math.IsInf(v, 1) {
		return "∞"
	}
	return fmt.Sprintf("%g", v)
}

// tones formats the tone check: each frequency's level, and ✓ or ✗.
func tones(r result) string {
	if len(r.Tones) == 0 {
		return "—"
	}
	var parts []string
	for _, t := range r.Tones {
		parts = append(parts, fmt.Sprintf("%.0f Hz %.1f dB", t.Freq, t.DBFS))
	}
	mark := "✓"
	if !r.TonesOK() {
		mark = "✗"
	}
	return mark + " " + strings.Join(parts, ", ")
}
