package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// options configure one soak.
type options struct {
	parley, sipp, dir string
	legs, perRoom     int
	duration          time.Duration
	warmup            time.Duration // 0: automatic
	interval          time.Duration
	tolerance         float64
	rate              float64
	rtpPorts          string
}

// warmupFor is the warm-up of a soak of duration d when none is given: a
// tenth of it, and at least two minutes or half of it, whichever is less.
func warmupFor(d time.Duration) time.Duration {
	return max(d/10, min(2*time.Minute, d/2))
}

// settleTime is how long the calls' goroutines and fds have, after sipp
// is done, to come back to what they were before the first call (SIP
// transactions linger for Timer J/K, RFC 3261 §17.2.2: 32 s over UDP).
const settleTime = 60 * time.Second

// soak runs the bridge and the calls, samples until the calls are over,
// and judges. An error means it could not run; a failed soak is a verdict.
func soak(ctx context.Context, o options, progress io.Writer) (verdict, error) {
	if o.warmup == 0 {
		o.warmup = warmupFor(o.duration)
	}
	dir, err := filepath.Abs(o.dir)
	if err != nil {
		return verdict{}, fmt.Errorf("output directory: %w", err)
	}
	bin, err := filepath.Abs(o.parley) // parley runs in dir
	if err != nil {
		return verdict{}, fmt.Errorf("parley binary: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return verdict{}, fmt.Errorf("output directory: %w", err)
	}
	for _, f := range []string{"parley.db", "parley.db-wal", "parley.db-shm"} { // a fresh store each run
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return verdict{}, fmt.Errorf("output directory: %w", err)
		}
	}
	tone, err := makeTone(dir)
	if err != nil {
		return verdict{}, err
	}
	p, err := startParley(ctx, bin, dir, soakConfig(dir, o.legs, o.perRoom, o.rtpPorts))
	if err != nil {
		return verdict{}, err
	}
	defer p.stop()
	f, err := os.Create(filepath.Join(dir, "samples.csv"))
	if err != nil {
		return verdict{}, fmt.Errorf("creating samples: %w", err)
	}
	defer f.Close()
	out, err := newCSVWriter(f)
	if err != nil {
		return verdict{}, err
	}
	smp := &sampler{pid: p.cmd.Process.Pid, metrics: "http://" + p.http + "/metrics",
		client: &http.Client{Timeout: o.interval}, start: time.Now()}
	before, err := smp.read(ctx)
	if err != nil {
		return verdict{}, err
	}

	// Call k starts at about k/rate and holds for hold: every leg is up
	// together from the ramp's end until the first leg's hold ends.
	ramp := time.Duration(float64(o.legs) / o.rate * float64(time.Second))
	hold := ramp + o.duration + 5*time.Second
	fmt.Fprintf(progress, "soak: %d legs in %d rooms, ramp %s, all up for %s, warm-up %s, samples every %s into %s\n",
		o.legs, roomsFor(o.legs, o.perRoom), ramp, o.duration, o.warmup, o.interval, f.Name())
	started := time.Since(smp.start)
	c, err := startCallers(ctx, o.sipp, dir, p.sipUDP, tone, o.legs, o.perRoom, o.rate, hold)
	if err != nil {
		return verdict{}, err
	}
	defer c.stop()
	holdEnd := started + hold - 2*time.Second

	samples, missed, err := sampleCalls(ctx, smp, out, p, c, o.interval, started+ramp, progress)
	if err != nil {
		return verdict{}, err
	}
	v := judge(samples, judgement{legs: o.legs, warmup: o.warmup, holdEnd: holdEnd, tolerance: o.tolerance})
	v.missed = missed
	if missed > len(samples)/10 {
		v.fail("%d samples missed, %d taken: more than one in ten", missed, len(samples))
	}
	checkCalls(&v, p, c, o.legs, dir)
	after, err := settle(ctx, smp, before)
	if err != nil {
		return verdict{}, err
	}
	if after.goroutines > before.goroutines+settleSlack || after.fds > before.fds+settleSlack {
		v.fail("%s after the calls: %d goroutines and %d fds, against %d and %d before the first",
			settleTime, after.goroutines, after.fds, before.goroutines, before.fds)
	}
	fmt.Fprintf(progress, "soak: before the calls %d goroutines, %d fds, RSS %d KiB; after them %d, %d, %d KiB\n",
		before.goroutines, before.fds, before.rssKiB, after.goroutines, after.fds, after.rssKiB)
	if err := p.stop(); err != nil {
		v.fail("parley did not exit cleanly: %v", err)
	}
	return v, nil
}

// sampleCalls samples every interval until sipp is done, writing each
// sample to out and a line to progress each minute (and each interval
// until rampEnd). A sample that cannot be taken is counted, not fatal.
func sampleCalls(ctx context.Context, smp *sampler, out *csvWriter, p *parley, c *callers,
	interval, rampEnd time.Duration, progress io.Writer) ([]sample, int, error) {
	var samples []sample
	tick := time.NewTicker(interval)
	defer tick.Stop()
	lastReport, missed := time.Duration(0), 0
sampling:
	for {
		select {
		case <-ctx.Done():
			return nil, 0, fmt.Errorf("interrupted: %w", ctx.Err())
		case <-p.exited:
			return nil, 0, fmt.Errorf("parley exited during the soak: %v", p.err)
		case <-c.exited:
			break sampling
		case <-tick.C:
		}
		s, err := smp.read(ctx)
		if err != nil {
			// A loaded machine can make one scrape late; the verdict
			// counts the samples missed.
			missed++
			fmt.Fprintf(progress, "  %6s  sample missed: %v\n", time.Since(smp.start).Round(time.Second), err)
			continue
		}
		samples = append(samples, s)
		if err := out.write(s); err != nil {
			return nil, 0, err
		}
		if s.at-lastReport >= time.Minute || s.at < rampEnd+interval {
			lastReport = s.at
			fmt.Fprintf(progress, "  %6s  calls %4d  RSS %7d KiB  goroutines %5d  fds %5d  CPU %5.1f%%  scrape %s\n",
				s.at.Round(time.Second), s.callsActive, s.rssKiB, s.goroutines, s.fds, s.cpuPercent, s.scrape.Round(time.Millisecond))
		}
	}
	return samples, missed, nil
}

// checkCalls fails v for what sipp and the bridge's log say of the calls:
// a call sipp did not complete or saw fail, a BYE from the bridge, a call
// refused or lost after answering.
func checkCalls(v *verdict, p *parley, c *callers, legs int, dir string) {
	if c.err != nil {
		v.fail("sipp: %v (see %s)", c.err, filepath.Join(dir, "sipp-errors.log"))
	}
	if st, err := readStats(c.stats); err != nil {
		v.fail("%v", err)
	} else if st.successful != legs || st.failed != 0 {
		v.fail("sipp completed %d of %d calls, %d failed", st.successful, legs, st.failed)
	}
	if n := p.count("hanging up"); n > 0 {
		v.fail("the bridge hung up %d calls itself (see parley.log)", n)
	}
	for _, m := range []string{"call refused", "call failed after answer"} {
		if n := p.count(m); n > 0 {
			v.fail("%d × %q in parley.log", n, m)
		}
	}
}

// settleSlack is how many goroutines or fds more than before the first
// call the bridge may keep once the calls are over (the scraper's own
// keep-alive connection comes and goes).
const settleSlack = 3

// settle samples every second until goroutines and fds are back within
// settleSlack of before, or settleTime has passed, and returns the last
// sample.
func settle(ctx context.Context, smp *sampler, before sample) (sample, error) {
	deadline := time.Now().Add(settleTime)
	for {
		s, err := smp.read(ctx)
		if err != nil {
			return s, err
		}
		if (s.goroutines <= before.goroutines+settleSlack && s.fds <= before.fds+settleSlack) || time.Now().After(deadline) {
			return s, nil
		}
		select {
		case <-ctx.Done():
			return s, fmt.Errorf("interrupted: %w", ctx.Err())
		case <-time.After(time.Second):
		}
	}
}
