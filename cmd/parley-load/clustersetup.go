package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// The call setup rate through Kamailio (parley-load cluster): the
// setup-rate scenario's calls (setuprate.go) dialled to Kamailio's one
// address, which hashes each room to a node (dispatcher algorithm 7, the
// config's default), on three fresh nodes.

// clusterRate is one rate of calls through Kamailio.
type clusterRate struct {
	rateResult
	NodeCore     []float64 // each node's CPU over the rate's calls, % of a core
	KamailioCore float64   // every Kamailio process's
	NATSIn       float64   // messages a second into nats-server over the rate's calls
	NATSOut      float64   // and out of it
}

// setupRates measures each of the rates in turn until one fails a call
// or reaches setupP99Limit at p99; it returns the rates measured and the
// highest that held.
func (e *clusterEnv) setupRates(ctx context.Context, progress io.Writer) ([]clusterRate, int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	most := 0
	for _, r := range e.o.rates {
		most = max(most, r)
	}
	// Calls live about callMedia plus their setup and BYE: room for 3 s
	// of the highest rate's calls at once.
	nodes, kam, stop, err := e.startCluster(ctx, "setup-rate", "7", most*3)
	if err != nil {
		return nil, 0, err
	}
	defer stop()
	ph, err := newPhone(ctx)
	if err != nil {
		return nil, 0, err
	}
	// callsAt reads the CPU of pb's process, one node's; every node's and
	// Kamailio's are read here around it.
	pb := &parleyBridge{p: nodes[0].p, sipAddr: kam.addr, phone: ph}
	snd := newSender(0)
	defer snd.close()
	var rs []clusterRate
	best := 0
	for _, rate := range e.o.rates {
		fmt.Fprintf(progress, "cluster setup-rate: %d calls/s through Kamailio for %v\n", rate, e.o.rateFor)
		before, err := e.snapshot(nodes, kam)
		if err != nil {
			return rs, best, err
		}
		began := time.Now()
		r, err := callsAt(ctx, pb, snd, rate, e.o.rateFor)
		if err != nil {
			return rs, best, err
		}
		after, err := e.snapshot(nodes, kam)
		if err != nil {
			return rs, best, err
		}
		span := time.Since(began).Seconds()
		cr := clusterRate{rateResult: r, KamailioCore: 100 * (after.kamailio - before.kamailio).Seconds() / span,
			NATSIn: float64(after.msgs.InMsgs-before.msgs.InMsgs) / span, NATSOut: float64(after.msgs.OutMsgs-before.msgs.OutMsgs) / span}
		for i := range nodes {
			cr.NodeCore = append(cr.NodeCore, 100*(after.nodes[i].cpu-before.nodes[i].cpu).Seconds()/span)
		}
		rs = append(rs, cr)
		if !r.holds() {
			break
		}
		best = rate
	}
	return rs, best, nil
}
