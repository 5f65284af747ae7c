package main

import (
	"fmt"
	"io"
	"strings"
)

// The tables of parley-load cluster.

// printClusterRooms writes the room runs: a line per N, then a row per
// node, and the largest N every node held.
func printClusterRooms(w io.Writer, runs []roomRun, largest int) {
	fmt.Fprintf(w, "\n### One room over 3 nodes through Kamailio (round robin)\n\n"+
		"Every leg a SIP phone (PCMU) dialled to Kamailio; legs 0-2 send 440 (the marker, silent 100 ms a second), 660 and 880 Hz, "+
		"the rest µ-law silence. The first call's node owns the room; the others link to it (G.722). "+
		"Held: on every node late ticks < 0.1%%, delivery ≥ 99%% and the three tones heard at ±3 dB by one of its silent legs. "+
		"Hop: a cascade node's silent leg hears the marker's onset this much later than the owner's (onset by onset; one link, to within a 20 ms frame).\n\n")
	fmt.Fprintln(w, "| legs | held | CPU µs/leg/s (all nodes) | nodes' core % | Kamailio core % | nats-server core % | NATS msgs/s in / out | hop added p50 / p99 ms (n) | set-up s | gen. core % | gen. lag ms |")
	fmt.Fprintln(w, "| ---: | --- | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: |")
	for _, r := range runs {
		if r.Err != "" {
			fmt.Fprintf(w, "| %d | ✗ (%s) | | | | | | | | | |\n", r.Legs, oneLine(r.Err))
			continue
		}
		secs := r.Window.Seconds()
		var hops []float64
		for _, n := range r.Nodes {
			hops = append(hops, n.HopMS...)
		}
		fmt.Fprintf(w, "| %d | %s | %.0f | %.0f | %.1f | %.1f | %.0f / %.0f | %s | %.1f | %.0f | %.1f |\n", r.Legs, mark(r.holds()),
			float64(r.cpu().Microseconds())/secs/float64(r.Legs), 100*r.cpu().Seconds()/secs,
			100*r.KamailioCPU.Seconds()/secs, 100*r.NATSCPU.Seconds()/secs,
			float64(r.NATS.InMsgs)/secs, float64(r.NATS.OutMsgs)/secs, p50p99(hops), r.SetupSeconds,
			100*r.GenCPU.Seconds()/secs, float64(r.SenderLag.Microseconds())/1000)
	}
	fmt.Fprintln(w, "\nPer node:")
	fmt.Fprintln(w, "\n| legs | node | pinned | role | its legs | CPU µs/leg/s | core % | RSS KiB/leg | delivered | late ticks | ticks p50/p99 ms | tones at its silent leg | marker latency p50 / p99 ms (n) | hop added p50 / p99 ms (n) |")
	fmt.Fprintln(w, "| ---: | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- |")
	for _, r := range runs {
		for _, n := range r.Nodes {
			role := "cascade"
			if n.Owner {
				role = "owner"
			}
			hop := "—"
			if !n.Owner {
				hop = p50p99(n.HopMS)
			}
			fmt.Fprintf(w, "| %d | %s | %s | %s | %d | %.0f | %.0f | %.1f | %.2f%% | %.3f%% | ≤%s / ≤%s | %s | %s | %s |\n",
				r.Legs, n.Name, core(n.Core), role, n.Legs, n.CPUPerLegUS(), n.CorePercent(), n.RSSPerLegKiB(),
				100*n.Delivered(), 100*n.Ticks.LateRate(), ms(n.Ticks.P50MS), ms(n.Ticks.P99MS), tones(n.result),
				p50p99(n.Latencies), hop)
		}
	}
	for _, r := range runs {
		if r.Err == "" && r.SenderLag > maxSenderLag {
			fmt.Fprintf(w, "\n**%d legs: the load generator fell %.0f ms behind its 20 ms schedule: its core was not its own, and the figures of this row are not to be trusted.**\n",
				r.Legs, float64(r.SenderLag.Microseconds())/1000)
		}
	}
	fmt.Fprintf(w, "\nThe largest room every node held: %d legs\n", largest)
}

// printClusterRates writes the setup rates through Kamailio.
func printClusterRates(w io.Writer, rs []clusterRate, best int, err error) {
	fmt.Fprintf(w, "\n### Call setup rate through Kamailio (hashing the room)\n\n"+
		"At each rate, calls placed steadily to Kamailio's address for the rate's span, each INVITE with SDP, 200, ACK, 2 s of PCMU silence both ways, BYE "+
		"(ACK and BYE through Kamailio: record-routed), spread over %d rooms, each room's calls sent by Kamailio to the node its number hashes to; "+
		"setup is INVITE sent → 200 received; the rates stop at the first that fails a call or reaches %d ms at p99.\n\n", setupRooms, setupP99Limit.Milliseconds())
	fmt.Fprintln(w, "| calls/s | attempted | failed | setup p50 / p99 ms | nodes' core % (n1 / n2 / n3) | Kamailio core % | NATS msgs/s in / out | launch lag ms | gen. lag ms | first failure |")
	fmt.Fprintln(w, "| ---: | ---: | ---: | --- | --- | ---: | --- | ---: | ---: | --- |")
	for _, r := range rs {
		setup := "—"
		if len(r.Setups) > 0 {
			setup = fmt.Sprintf("%.1f / %.1f", percentile(r.Setups, 50), percentile(r.Setups, 99))
		}
		var cores []string
		for _, c := range r.NodeCore {
			cores = append(cores, fmt.Sprintf("%.0f", c))
		}
		first := "—"
		if r.FirstErr != "" {
			first = oneLine(r.FirstErr)
		}
		fmt.Fprintf(w, "| %d | %d | %d | %s | %s | %.0f | %.0f / %.0f | %.1f | %.1f | %s |\n", r.Rate, r.Attempted, r.Failed, setup,
			strings.Join(cores, " / "), r.KamailioCore, r.NATSIn, r.NATSOut, float64(r.LaunchLag.Microseconds())/1000,
			float64(r.SenderLag.Microseconds())/1000, first)
	}
	if err != nil {
		fmt.Fprintf(w, "\nThe setup rate could not be measured: %s\n", oneLine(err.Error()))
	}
	fmt.Fprintf(w, "\nThe highest rate through Kamailio with no failed call and setup p99 under %d ms: %d calls/s\n", setupP99Limit.Milliseconds(), best)
}

// p50p99 formats the median and 99th percentile of xs in ms, and how
// many there were.
func p50p99(xs []float64) string {
	if len(xs) == 0 {
		return "— (0)"
	}
	return fmt.Sprintf("%.0f / %.0f (%d)", percentile(xs, 50), percentile(xs, 99), len(xs))
}

// mark is ✓ or ✗.
func mark(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}

// oneLine keeps a message to one table cell: its first line, without '|'.
func oneLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.ReplaceAll(s, "|", "/")
}
