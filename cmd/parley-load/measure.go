package main

import (
	"fmt"
	"math"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// What is measured of the bridge process from outside: its CPU time and
// RSS from /proc, and the mixer's ticks from Parley's /metrics.

// clockTicks is the unit of utime and stime in /proc/PID/stat (USER_HZ,
// 100 on every Linux architecture Go supports).
const clockTicks = 100

// cpuTime returns the process's user plus system CPU time so far.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name is in parentheses and may hold spaces: count the
	// fields from the last ')'. utime and stime are fields 14 and 15.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: utime %q stime %q", pid, f[11], f[12])
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// rssKiB returns the process's resident set size (VmRSS) in KiB.
func rssKiB(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmRSS", pid)
}

// tickSnapshot is the mixer's tick histogram and late-tick counter at one
// scrape of Parley's /metrics.
type tickSnapshot struct {
	count   uint64
	sum     float64
	buckets []*dto.Bucket // cumulative, by upper bound
	late    float64
}

// scrapeTicks reads parley_mixer_tick_seconds and
// parley_mixer_late_ticks_total from the /metrics at url.
func scrapeTicks(url string) (tickSnapshot, error) {
	res, err := http.Get(url)
	if err != nil {
		return tickSnapshot{}, fmt.Errorf("metrics: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return tickSnapshot{}, fmt.Errorf("metrics: %s", res.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		return tickSnapshot{}, fmt.Errorf("metrics: %w", err)
	}
	var s tickSnapshot
	if f := fams["parley_mixer_tick_seconds"]; f != nil && len(f.GetMetric()) > 0 {
		h := f.GetMetric()[0].GetHistogram()
		s.count, s.sum, s.buckets = h.GetSampleCount(), h.GetSampleSum(), h.GetBucket()
	}
	if f := fams["parley_mixer_late_ticks_total"]; f != nil && len(f.GetMetric()) > 0 {
		s.late = f.GetMetric()[0].GetCounter().GetValue()
	}
	return s, nil
}

// tickStats are the mixer's ticks over the window: every room's ticks.
type tickStats struct {
	Ticks        uint64
	Late         uint64
	MeanMS       float64
	P50MS, P99MS float64 // upper bounds of the histogram buckets they fall in
}

// LateRate is the fraction of the ticks that ran late.
func (t tickStats) LateRate() float64 {
	if t.Ticks == 0 {
		return 0
	}
	return float64(t.Late) / float64(t.Ticks)
}

// ticksBetween is what happened to the ticks between two scrapes.
func ticksBetween(a, b tickSnapshot) tickStats {
	t := tickStats{Ticks: b.count - a.count, Late: uint64(b.late - a.late)}
	if t.Ticks == 0 {
		return t
	}
	t.MeanMS = (b.sum - a.sum) / float64(t.Ticks) * 1000
	t.P50MS = bucketQuantile(a.buckets, b.buckets, t.Ticks, 0.5) * 1000
	t.P99MS = bucketQuantile(a.buckets, b.buckets, t.Ticks, 0.99) * 1000
	return t
}

// bucketQuantile is the upper bound of the bucket that holds quantile q of
// the n observations between the cumulative histograms a and b (+Inf when
// it is past the last bound).
func bucketQuantile(a, b []*dto.Bucket, n uint64, q float64) float64 {
	want := uint64(math.Ceil(q * float64(n)))
	for i, bb := range b {
		c := bb.GetCumulativeCount()
		if i < len(a) {
			c -= a[i].GetCumulativeCount()
		}
		if c >= want {
			return bb.GetUpperBound()
		}
	}
	return math.Inf(1)
}

// percentile returns the p-th percentile (0..100) of xs, nearest rank.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(i, 0)]
}
