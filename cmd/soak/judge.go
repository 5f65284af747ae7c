package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"time"
)

// judgement is what a soak's samples are judged against.
type judgement struct {
	legs      int           // calls that must all be up together
	warmup    time.Duration // after the last leg is up, not judged
	holdEnd   time.Duration // the first leg's hang-up is due; not judged after
	tolerance float64       // RSS and goroutines stay within ± this fraction of their median
}

// series summarises one measure over the judged samples.
type series struct {
	name                string
	upValue             int64   // when the last leg came up
	first, median, last int64   // over the judged samples
	min, max            int64   // over the judged samples
	maxDeviation        float64 // largest |x − median| / median
	judged              bool    // held to the tolerance
}

// verdict is the outcome of a soak.
type verdict struct {
	legs       int
	allUpAt    time.Duration // first sample with every leg up; 0 if never
	rssFrom    time.Duration // RSS is judged from here: the first collection after judgedFrom
	judgedFrom time.Duration
	judgedTo   time.Duration
	judged     int // samples in the judged window
	missed     int // samples that could not be taken (a scrape too slow)
	rss        series
	goroutines series
	fds        series
	heap       series
	calls      series
	cpuMean    float64 // % of one core over the judged window
	cpuMax     float64
	failures   []string
}

// ok reports whether the soak passed.
func (v *verdict) ok() bool { return len(v.failures) == 0 }

// fail records one reason the soak failed.
func (v *verdict) fail(format string, args ...any) {
	v.failures = append(v.failures, fmt.Sprintf(format, args...))
}

// judge decides from the samples whether every leg stayed up and RSS and
// goroutines stayed flat: from the moment all legs are up until the first
// is due to hang up, every sample must have all legs active; after the
// warm-up, goroutines, and after the next garbage collection, RSS, must
// stay within the tolerance of their median.
func judge(samples []sample, j judgement) verdict {
	v := verdict{legs: j.legs}
	up := slices.IndexFunc(samples, func(s sample) bool { return s.callsActive >= int64(j.legs) })
	if up < 0 {
		most := int64(0)
		for _, s := range samples {
			most = max(most, s.callsActive)
		}
		v.fail("only %d of %d legs were ever up at once", most, j.legs)
		return v
	}
	v.allUpAt = samples[up].at
	v.judgedTo = j.holdEnd
	for _, s := range samples[up:] {
		if s.at <= v.judgedTo && s.callsActive != int64(j.legs) {
			v.fail("%d of %d legs active at %s: a leg dropped", s.callsActive, j.legs, s.at.Round(time.Second))
			break
		}
	}
	var steady []sample
	for _, s := range samples[up:] {
		if s.at >= v.allUpAt+j.warmup && s.at <= v.judgedTo {
			steady = append(steady, s)
		}
	}
	v.judged = len(steady)
	if len(steady) < 3 {
		v.fail("%d samples between %s and %s: too few to judge (run longer or sample more often)",
			len(steady), (v.allUpAt + j.warmup).Round(time.Second), v.judgedTo.Round(time.Second))
		return v
	}
	v.judgedFrom = steady[0].at
	// RSS is judged from the next garbage collection: the heap grows to
	// twice what is live before a collection, and RSS with it, so RSS
	// before that is the rising edge of the sawtooth, not a leak. With no
	// collection in the window (or too late to leave three samples), RSS
	// is judged from the warm-up's end, which is only stricter.
	rss := steady
	if gc := slices.IndexFunc(steady, func(s sample) bool { return s.gcs > steady[0].gcs }); gc >= 0 && len(steady)-gc >= 3 {
		rss = steady[gc:]
	}
	v.rssFrom = rss[0].at
	v.rss = summarise("RSS KiB", samples[up], rss, func(s sample) int64 { return s.rssKiB })
	v.goroutines = summarise("goroutines", samples[up], steady, func(s sample) int64 { return s.goroutines })
	v.fds = summarise("open fds", samples[up], steady, func(s sample) int64 { return s.fds })
	v.heap = summarise("heap KiB", samples[up], steady, func(s sample) int64 { return s.heapKiB })
	v.calls = summarise("calls active", samples[up], steady, func(s sample) int64 { return s.callsActive })
	for _, s := range []*series{&v.rss, &v.goroutines} {
		s.judged = true
		if s.maxDeviation > j.tolerance {
			v.fail("%s not flat: %d..%d around a median of %d is ±%.1f%%, over the ±%.1f%% allowed",
				s.name, s.min, s.max, s.median, 100*s.maxDeviation, 100*j.tolerance)
		}
	}
	for _, s := range steady {
		v.cpuMean += s.cpuPercent / float64(len(steady))
		v.cpuMax = max(v.cpuMax, s.cpuPercent)
	}
	return v
}

// summarise returns the series of one measure over the judged samples.
func summarise(name string, up sample, steady []sample, value func(sample) int64) series {
	vals := make([]int64, len(steady))
	for i, s := range steady {
		vals[i] = value(s)
	}
	sorted := slices.Clone(vals)
	slices.Sort(sorted)
	s := series{
		name: name, upValue: value(up),
		first: vals[0], last: vals[len(vals)-1],
		min: sorted[0], max: sorted[len(sorted)-1],
		median: sorted[len(sorted)/2],
	}
	if s.median > 0 {
		for _, x := range []int64{s.min, s.max} {
			s.maxDeviation = max(s.maxDeviation, math.Abs(float64(x-s.median))/float64(s.median))
		}
	}
	return s
}

// print writes the summary a person reads at the end of a run.
func (v *verdict) print(w io.Writer) {
	rssFrom := fmt.Sprintf("from the next garbage collection, at %s", v.rssFrom.Round(time.Second))
	if v.rssFrom == v.judgedFrom {
		rssFrom = "from the warm-up's end (no collection in time)"
	}
	fmt.Fprintf(w, "soak: %d legs; all up at %s; judged %s..%s (%d samples), RSS %s\n",
		v.legs, v.allUpAt.Round(time.Second), v.judgedFrom.Round(time.Second), v.judgedTo.Round(time.Second), v.judged, rssFrom)
	if v.judged > 0 {
		fmt.Fprintf(w, "  %-13s %10s %10s %10s %10s %10s %10s %8s\n", "", "all up", "warm", "median", "end", "min", "max", "±")
		for _, s := range []series{v.rss, v.goroutines, v.heap, v.fds, v.calls} {
			bound := ""
			if s.judged {
				bound = " judged"
			}
			fmt.Fprintf(w, "  %-13s %10d %10d %10d %10d %10d %10d %7.1f%%%s\n",
				s.name, s.upValue, s.first, s.median, s.last, s.min, s.max, 100*s.maxDeviation, bound)
		}
		fmt.Fprintf(w, "  CPU: mean %.1f%%, max %.1f%% of one core; %d samples missed\n", v.cpuMean, v.cpuMax, v.missed)
	}
	if v.ok() {
		fmt.Fprintln(w, "verdict: PASS")
		return
	}
	for _, f := range v.failures {
		fmt.Fprintf(w, "  FAIL: %s\n", f)
	}
	fmt.Fprintln(w, "verdict: FAIL")
}
