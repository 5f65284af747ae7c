package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// One room spread over the cluster's nodes (parley-load cluster): N
// phones dial Kamailio, whose round robin sends each call to the next
// node; the first call's node owns the room, the others take their calls
// as cascades linked to it.

// clusterProbes is how many silent legs keep what they hear: dialled one
// after the other right after the talkers, so that the round robin puts
// at least one on every node.
const clusterProbes = 6

// minClusterLegs is the smallest room: the 3 talkers and the probes.
const minClusterLegs = 3 + clusterProbes

// nodeResult is what one node of a room run measured.
type nodeResult struct {
	result
	Name  string
	Core  int // the core it was pinned to; -1: not pinned
	Owner bool
	// HopMS is, for each marker onset heard both here and at the owner,
	// how much later it was heard here, in ms: one cascade link's added
	// latency (nil at the owner).
	HopMS []float64
}

// roomRun is one room of N legs over the cluster.
type roomRun struct {
	Legs         int
	Nodes        []nodeResult
	Window       time.Duration
	KamailioCPU  time.Duration // in the window, every Kamailio process
	NATSCPU      time.Duration
	GenCPU       time.Duration // the load generator's
	NATS         natsCounts    // messages through NATS in the window
	SetupSeconds float64
	SenderLag    time.Duration
	EndedByPeer  int
	Err          string // why the run failed; "" when it was measured
}

// holds reports whether every node kept up: late ticks under 0.1%,
// delivery at least 99% and the tones heard at its silent leg.
func (r roomRun) holds() bool {
	for _, n := range r.Nodes {
		if !holds(n.result) {
			return false
		}
	}
	return len(r.Nodes) > 0
}

// cpu is every node's CPU in the window.
func (r roomRun) cpu() time.Duration {
	var d time.Duration
	for _, n := range r.Nodes {
		d += n.CPU
	}
	return d
}

// roomLeg is one leg of the room and the node its call reached.
type roomLeg struct {
	l     *leg
	lat   *latencyProbe // a probe's own, nil otherwise
	node  *clusterNode
	probe bool
}

// measureRoom starts fresh nodes and Kamailio (round robin), places n
// calls to room through it, measures for the window and stops them.
func (e *clusterEnv) measureRoom(ctx context.Context, n, room int, progress io.Writer) (roomRun, error) {
	run := roomRun{Legs: n}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	nodes, kam, stop, err := e.startCluster(ctx, fmt.Sprintf("room-%d", n), "4", n)
	if err != nil {
		return run, err
	}
	defer stop()
	ph, err := newPhone(ctx)
	if err != nil {
		return run, err
	}
	snd := newSender(0)
	defer snd.close()
	marker := &latencyProbe{freq: freqs[0]}
	legs, err := newRoomLegs(n, marker)
	if err != nil {
		return run, err
	}
	hangups := make([]func(context.Context) error, n)
	defer func() {
		hangupAll(hangups)
		for _, rl := range legs {
			rl.l.close()
		}
	}()
	began := time.Now()
	if err := dialRoom(ctx, ph, kam.addr, room, nodes, legs, hangups, snd, e.o.setup); err != nil {
		return run, err
	}
	run.SetupSeconds = time.Since(began).Seconds()
	owner := legs[0].node
	owner.isOwner = true
	probes := map[*clusterNode]*roomLeg{}
	for i := range legs {
		rl := &legs[i]
		rl.node.nodeLegs = append(rl.node.nodeLegs, rl.l)
		if rl.probe && probes[rl.node] == nil {
			probes[rl.node] = rl
		}
	}
	for _, nd := range nodes {
		if probes[nd] == nil {
			return run, fmt.Errorf("node %s got none of the %d silent probe legs dialled one after the other: Kamailio's round robin did not rotate", nd.name, clusterProbes)
		}
	}
	fmt.Fprintf(progress, "cluster: %d legs up in %.1f s (owner %s); warming up %v, measuring %v\n", n, run.SetupSeconds, owner.name, e.o.warmup, e.o.window)
	if err := sleep(ctx, e.o.warmup); err != nil {
		return run, err
	}
	return e.window(ctx, run, nodes, kam, snd, ph, marker, probes)
}

// window measures the running room for the window.
func (e *clusterEnv) window(ctx context.Context, run roomRun, nodes []*clusterNode, kam *kamailioProc, snd *sender, ph *phone,
	marker *latencyProbe, probes map[*clusterNode]*roomLeg) (roomRun, error) {
	rxBegan := time.Now()
	for _, nd := range nodes {
		for _, l := range nd.nodeLegs {
			l.startWindow()
		}
		probes[nd].lat.start()
	}
	marker.start()
	snd.resetLag()
	before, err := e.snapshot(nodes, kam)
	if err != nil {
		return run, err
	}
	began := time.Now()
	if err := sleep(ctx, e.o.window); err != nil {
		return run, err
	}
	after, err := e.snapshot(nodes, kam)
	if err != nil {
		return run, err
	}
	run.Window = time.Since(began)
	run.SenderLag, _ = snd.lag()
	run.KamailioCPU = after.kamailio - before.kamailio
	run.NATSCPU = after.nats - before.nats
	run.GenCPU = after.gen - before.gen
	run.NATS = natsCounts{InMsgs: after.msgs.InMsgs - before.msgs.InMsgs, OutMsgs: after.msgs.OutMsgs - before.msgs.OutMsgs,
		InBytes: after.msgs.InBytes - before.msgs.InBytes}
	run.EndedByPeer = int(ph.byes.Load())
	sent := marker.sentOnsets()
	pl := plan{scenario: scenarios["one-room"], legs: run.Legs}
	onsets := map[*clusterNode]map[int]float64{}
	for i, nd := range nodes {
		r := result{Bridge: nd.name, Scenario: "cluster", Legs: len(nd.nodeLegs), Window: run.Window,
			CPU: after.nodes[i].cpu - before.nodes[i].cpu, IdleRSSKiB: nd.idleRSS, HasTicks: true,
			Ticks: ticksBetween(before.nodes[i].ticks, after.nodes[i].ticks)}
		if r.RSSKiB, err = rssKiB(nd.pid()); err != nil {
			return run, err
		}
		collect(&r, nd.nodeLegs, probes[nd].l, pl, time.Since(rxBegan))
		onsets[nd] = map[int]float64{}
		for _, o := range pairOnsets(sent, probes[nd].lat.heardOnsets()) {
			r.Latencies = append(r.Latencies, o.ms)
			onsets[nd][o.index] = o.ms
		}
		run.Nodes = append(run.Nodes, nodeResult{result: r, Name: nd.name, Core: nd.cpu, Owner: nd.isOwner})
	}
	for i, nd := range nodes {
		if nd.isOwner {
			continue
		}
		for _, own := range nodes {
			if !own.isOwner {
				continue
			}
			for idx, ms := range onsets[nd] {
				if o, ok := onsets[own][idx]; ok {
					run.Nodes[i].HopMS = append(run.Nodes[i].HopMS, ms-o)
				}
			}
		}
	}
	return run, nil
}

// newRoomLegs opens the room's legs: 0-2 talkers (440 Hz the marker, its
// onsets told to marker; 660; 880 Hz), then clusterProbes silent probes
// each timing the marker's onsets it hears, then silent legs.
func newRoomLegs(n int, marker *latencyProbe) ([]roomLeg, error) {
	legs := make([]roomLeg, 0, n)
	for k := range n {
		var rl roomLeg
		var err error
		switch {
		case k < 3:
			var lat *latencyProbe
			if k == 0 {
				lat = marker
			}
			rl.l, err = newLeg(uint32(0x30000+k), phoneFrames(freqs[k], k == 0), false, lat, k == 0)
		case k < minClusterLegs:
			rl.lat, rl.probe = &latencyProbe{freq: freqs[0]}, true
			rl.l, err = newLeg(uint32(0x30000+k), silenceFrames(), true, rl.lat, false)
		default:
			rl.l, err = newLeg(uint32(0x30000+k), silenceFrames(), false, nil, false)
		}
		if err != nil {
			for _, o := range legs {
				o.l.close()
			}
			return nil, fmt.Errorf("leg: %w", err)
		}
		legs = append(legs, rl)
	}
	return legs, nil
}

// dialRoom calls room through the proxy at addr for every leg: the
// talkers and probes one after the other (the first call's node owns the
// room; the round robin puts the next ones on every node in turn), the
// rest setup at a time. Each answered leg starts sending and is told its
// node by the RTP address of the answer.
func dialRoom(ctx context.Context, ph *phone, addr string, room int, nodes []*clusterNode, legs []roomLeg,
	hangups []func(context.Context) error, snd *sender, setup int) error {
	dial := func(i int) error {
		jctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		c, media, err := ph.dial(jctx, addr, fmt.Sprint(roomBase+room), legs[i].l.port())
		if err != nil {
			return fmt.Errorf("leg %d: %w", i, err)
		}
		hangups[i] = c.hangup
		legs[i].node = nodeOf(nodes, media)
		if legs[i].node == nil {
			return fmt.Errorf("leg %d: the answer's RTP address %v is no node's", i, media)
		}
		legs[i].l.remote = media
		snd.add(legs[i].l)
		return nil
	}
	for i := range minClusterLegs {
		if err := dial(i); err != nil {
			return err
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	sem := make(chan struct{}, max(setup, 1))
	for i := minClusterLegs; i < len(legs); i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := dial(i); err != nil {
				mu.Lock()
				first = cmp.Or(first, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

// nodeOf is the node whose RTP ports hold media.
func nodeOf(nodes []*clusterNode, media *net.UDPAddr) *clusterNode {
	for _, n := range nodes {
		if n.has(media) {
			return n
		}
	}
	return nil
}

// sentOnsets stops recording and returns the onsets the marker sent.
func (p *latencyProbe) sentOnsets() []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counting = false
	return append([]time.Time(nil), p.sent...)
}

// heardOnsets stops recording and returns the onsets a probe heard.
func (p *latencyProbe) heardOnsets() []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counting = false
	return append([]time.Time(nil), p.heard...)
}
