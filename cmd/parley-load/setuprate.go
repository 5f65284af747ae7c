package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// The call setup rate (-scenario setup-rate): calls placed at a steady
// rate for -rate-for, each INVITE with an SDP offer, 200, ACK, 2 s of RTP
// both ways, BYE; at each of -rates in turn, on one Parley, until a rate
// fails a call or takes 200 ms or more at p99 to answer.

const (
	// callMedia is how long each call of the setup rate sends RTP.
	callMedia = 2 * time.Second
	// setupRooms is how many rooms the setup-rate calls spread over,
	// round robin, as calls to a bridge spread over its conferences.
	setupRooms = 50
	// setupP99Limit is the p99 setup time a rate must stay under.
	setupP99Limit = 200 * time.Millisecond
)

// rateResult is what one rate of calls measured.
type rateResult struct {
	Rate      int // calls per second
	Attempted int
	Failed    int
	Setups    []float64 // INVITE sent → 200 received, ms, of the calls answered
	CorePct   float64   // the bridge's CPU over the rate's calls, % of a core
	SenderLag time.Duration
	// LaunchLag is the latest a call was placed after its turn: past a
	// few ms the generator, not the bridge, set the pace.
	LaunchLag time.Duration
	FirstErr  string
}

// holds reports whether no call failed and p99 setup stayed under 200 ms.
func (r rateResult) holds() bool {
	return r.Attempted > 0 && r.Failed == 0 && percentile(r.Setups, 99) < float64(setupP99Limit.Milliseconds())
}

// setupRates measures each of o.rates on one Parley whose limits admit
// the largest, and prints the table.
func (o options) setupRates(ctx context.Context, sc scenario, out, progress io.Writer) error {
	most := 0
	for _, r := range o.rates {
		most = max(most, r)
	}
	// Calls live about callMedia plus their setup and BYE: room for 3 s
	// of the highest rate's calls at once.
	concurrent := most * 3
	dir, err := runDir(o.dir, "parley-setup-rate", most)
	if err != nil {
		return err
	}
	pb, err := startParley(ctx, o.parley, dir, o.bridgeCPU, setupRooms, concurrent, o.rtpBase, o.shared)
	if err != nil {
		return err
	}
	defer pb.stop()
	snd := newSender(0)
	defer snd.close()
	var rs []rateResult
	best := 0
	for _, rate := range o.rates {
		fmt.Fprintf(progress, "setup-rate: %d calls/s for %v\n", rate, o.rateFor)
		r, err := callsAt(ctx, pb, snd, rate, o.rateFor)
		if err != nil {
			printRates(out, sc, rs, best)
			return err
		}
		rs = append(rs, r)
		if !r.holds() {
			break
		}
		best = rate
	}
	printRates(out, sc, rs, best)
	return nil
}

// callsAt places rate calls a second for d and waits for every one to
// end.
func callsAt(ctx context.Context, pb *parleyBridge, snd *sender, rate int, d time.Duration) (rateResult, error) {
	r := rateResult{Rate: rate}
	cpu0, err := cpuTime(pb.pid())
	if err != nil {
		return r, err
	}
	snd.resetLag()
	began := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		r.Failed++
		if r.FirstErr == "" {
			r.FirstErr = err.Error()
		}
	}
	n := int(float64(rate) * d.Seconds())
	for i := range n {
		due := began.Add(time.Duration(i) * time.Second / time.Duration(rate))
		if err := sleep(ctx, time.Until(due)); err != nil {
			wg.Wait()
			return r, err
		}
		r.LaunchLag = max(r.LaunchLag, time.Since(due))
		r.Attempted++
		wg.Add(1)
		go func() {
			defer wg.Done()
			setup, err := oneCall(ctx, pb, snd, uint32(0x20000+i), i%setupRooms)
			if err != nil {
				fail(err)
				return
			}
			mu.Lock()
			r.Setups = append(r.Setups, float64(setup.Microseconds())/1000)
			mu.Unlock()
		}()
	}
	wg.Wait()
	cpu1, err := cpuTime(pb.pid())
	if err != nil {
		return r, err
	}
	r.CorePct = 100 * (cpu1 - cpu0).Seconds() / time.Since(began).Seconds()
	r.SenderLag, _ = snd.lag()
	return r, nil
}

// oneCall places one call to room, sends callMedia of RTP and hangs up;
// it returns the call's setup time.
func oneCall(ctx context.Context, pb *parleyBridge, snd *sender, ssrc uint32, room int) (time.Duration, error) {
	l, err := newLeg(ssrc, silenceFrames(), false, nil, false)
	if err != nil {
		return 0, fmt.Errorf("leg socket: %w", err)
	}
	defer l.close()
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, media, err := pb.phone.dial(cctx, pb.sipAddr, fmt.Sprint(roomBase+room), l.port())
	if err != nil {
		return 0, err
	}
	l.remote = media
	snd.add(l)
	err = sleep(ctx, callMedia)
	snd.remove(l)
	if err != nil {
		_ = c.hangup(cctx)
		return 0, err
	}
	if err := c.hangup(cctx); err != nil {
		return 0, err
	}
	return c.setup, nil
}

// printRates writes the setup-rate table and the highest rate that held.
func printRates(w io.Writer, sc scenario, rs []rateResult, best int) {
	fmt.Fprintf(w, "\n### %s\n\n%s.\n\n", sc.Title, sc.Describe)
	fmt.Fprintln(w, "| calls/s | attempted | failed | setup p50 / p99 ms | bridge core % | launch lag ms | gen. lag ms | first failure |")
	fmt.Fprintln(w, "| ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |")
	for _, r := range rs {
		setup := "—"
		if len(r.Setups) > 0 {
			setup = fmt.Sprintf("%.1f / %.1f", percentile(r.Setups, 50), percentile(r.Setups, 99))
		}
		first := "—"
		if r.FirstErr != "" {
			first = r.FirstErr
		}
		fmt.Fprintf(w, "| %d | %d | %d | %s | %.0f | %.1f | %.1f | %s |\n", r.Rate, r.Attempted, r.Failed, setup, r.CorePct,
			float64(r.LaunchLag.Microseconds())/1000, float64(r.SenderLag.Microseconds())/1000, first)
	}
	fmt.Fprintf(w, "\nsetup-rate: the highest rate with no failed call and setup p99 under %d ms: %d calls/s\n", setupP99Limit.Milliseconds(), best)
}
