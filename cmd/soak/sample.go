package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat
// (proc(5)); 100 on every Linux that Go supports.
const clockTicks = 100

// sample is one reading of the bridge, taken every interval.
type sample struct {
	at          time.Duration // since the soak started
	rssKiB      int64         // VmRSS of /proc/PID/status
	goroutines  int64         // go_goroutines of /metrics
	fds         int64         // entries of /proc/PID/fd
	cpuPercent  float64       // user+system CPU over the last interval, % of one core
	callsActive int64         // parley_calls_active of /metrics
	heapKiB     int64         // go_memstats_heap_inuse_bytes of /metrics, in KiB
	gcs         int64         // go_gc_duration_seconds_count of /metrics: collections so far
	scrape      time.Duration // how long /metrics took to answer
	cpuTicks    int64         // utime+stime of /proc/PID/stat, cumulative
}

// csvHeader names the columns that writeCSV writes.
var csvHeader = []string{"seconds", "rss_kib", "goroutines", "open_fds", "cpu_percent", "calls_active", "heap_inuse_kib", "gc_cycles", "scrape_ms"}

// record is the sample as a CSV row.
func (s sample) record() []string {
	return []string{
		strconv.FormatFloat(s.at.Seconds(), 'f', 1, 64),
		strconv.FormatInt(s.rssKiB, 10),
		strconv.FormatInt(s.goroutines, 10),
		strconv.FormatInt(s.fds, 10),
		strconv.FormatFloat(s.cpuPercent, 'f', 1, 64),
		strconv.FormatInt(s.callsActive, 10),
		strconv.FormatInt(s.heapKiB, 10),
		strconv.FormatInt(s.gcs, 10),
		strconv.FormatInt(s.scrape.Milliseconds(), 10),
	}
}

// sampler reads one process and its /metrics.
type sampler struct {
	pid     int
	metrics string // URL of /metrics
	client  *http.Client
	start   time.Time
	last    *sample // the previous reading, for the CPU rate
}

// read takes one sample. A missing metric is an error: the soak judges
// nothing it cannot see.
func (s *sampler) read(ctx context.Context) (sample, error) {
	now := time.Now()
	smp := sample{at: now.Sub(s.start)}
	var err error
	if smp.rssKiB, err = readRSS(s.pid); err != nil {
		return smp, err
	}
	if smp.cpuTicks, err = readCPUTicks(s.pid); err != nil {
		return smp, err
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", s.pid))
	if err != nil {
		return smp, fmt.Errorf("reading open fds: %w", err)
	}
	smp.fds = int64(len(fds))
	begun := time.Now()
	values, err := s.scrape(ctx, "go_goroutines", "parley_calls_active", "go_memstats_heap_inuse_bytes", "go_gc_duration_seconds_count")
	smp.scrape = time.Since(begun)
	if err != nil {
		return smp, err
	}
	smp.goroutines, smp.callsActive = int64(values[0]), int64(values[1])
	smp.heapKiB, smp.gcs = int64(values[2])/1024, int64(values[3])
	if s.last != nil && smp.at > s.last.at {
		cpu := float64(smp.cpuTicks-s.last.cpuTicks) / clockTicks
		smp.cpuPercent = 100 * cpu / (smp.at - s.last.at).Seconds()
	}
	s.last = &smp
	return smp, nil
}

// scrape fetches /metrics and returns the values of the named unlabelled
// series, in order.
func (s *sampler) scrape(ctx context.Context, names ...string) ([]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.metrics, nil)
	if err != nil {
		return nil, fmt.Errorf("scraping metrics: %w", err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scraping metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scraping metrics: %s", resp.Status)
	}
	return parseMetrics(resp.Body, names)
}

// parseMetrics reads the Prometheus text format and returns the value of
// each named series without labels.
func parseMetrics(r io.Reader, names []string) ([]float64, error) {
	found := make(map[string]float64, len(names))
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			continue
		}
		found[name] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading metrics: %w", err)
	}
	out := make([]float64, len(names))
	for i, n := range names {
		v, ok := found[n]
		if !ok {
			return nil, fmt.Errorf("metric %s not exposed", n)
		}
		out[i] = v
	}
	return out, nil
}

// readRSS returns VmRSS of /proc/PID/status in KiB.
func readRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("reading RSS: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parsing VmRSS %q: %w", rest, err)
			}
			return kib, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// readCPUTicks returns utime+stime of /proc/PID/stat (fields 14 and 15,
// proc(5)), counted after the command name, which may hold spaces.
func readCPUTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("reading CPU time: %w", err)
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("parsing /proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, fmt.Errorf("parsing /proc/%d/stat: %d fields", pid, len(f))
	}
	var total int64
	for _, field := range f[11:13] { // fields 14 and 15
		n, err := strconv.ParseInt(field, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parsing /proc/%d/stat: %w", pid, err)
		}
		total += n
	}
	return total, nil
}

// csvWriter writes samples as they come, flushed each time so that a run
// cut short keeps what it measured.
type csvWriter struct {
	w *csv.Writer
}

// newCSVWriter writes the header to w.
func newCSVWriter(w io.Writer) (*csvWriter, error) {
	c := &csvWriter{w: csv.NewWriter(w)}
	if err := c.w.Write(csvHeader); err != nil {
		return nil, fmt.Errorf("writing CSV: %w", err)
	}
	c.w.Flush()
	return c, c.w.Error()
}

// write appends one sample.
func (c *csvWriter) write(s sample) error {
	if err := c.w.Write(s.record()); err != nil {
		return fmt.Errorf("writing CSV: %w", err)
	}
	c.w.Flush()
	return c.w.Error()
}
