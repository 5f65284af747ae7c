package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// parley-load cluster: three `parley serve` nodes on one NATS and one
// PostgreSQL behind Kamailio, measured from outside (`make load-cluster`):
//
//	parley-load cluster -parley bin/parley [-legs 300] [-find-max] [-window 10s] [-warmup 3s]
//	            [-node-cpus 0,1,0] [-load-cpu 1] [-store postgres] [-rates 20,50,…] [-rate-for 3s]
//	            [-dir bin/load-cluster]
//
// It starts nats-server (JetStream) and PostgreSQL once, then for each N
// three fresh nodes (cluster.sip_routing cascade; node i pinned to core
// -node-cpus[i] with GOMAXPROCS=1) and a Kamailio running
// packaging/kamailio/kamailio.cfg with round-robin dispatching. N phones
// dial Kamailio for one room: the first call's node owns it, the others
// take their calls as cascades linked to the owner. Legs 0-2 send 440
// (the latency marker), 660 and 880 Hz; after them six silent legs, dialled
// one by one so that each node gets some, keep what they hear. Per node it
// measures CPU, RSS, the mixer's late ticks, delivery, the tones at one
// of its silent legs, and the marker's latency; a cascade node's latency
// minus the owner's, onset by onset, is one link's added latency. With
// -find-max N rises ×1.5 while every node holds (late ticks < 0.1%,
// delivery ≥ 99%, tones heard). Then, on fresh nodes behind a Kamailio
// that hashes the room, the setup-rate scenario through Kamailio. Tables
// printed and written to DIR/results.md.

// clusterOptions are the flags of parley-load cluster.
type clusterOptions struct {
	parley      string
	nats        string
	kamailio    string
	kamailioCfg string
	store       string // postgres or sqlite
	dir         string
	legs        []int
	findMax     bool
	window      time.Duration
	warmup      time.Duration
	nodeCPUs    []int // one per node; -1: not pinned
	loadCPU     int
	rtpBase     int
	setup       int
	shared      int
	rates       []int
	rateFor     time.Duration
}

// maxRoomSteps bounds how many Ns one run measures; the room of step k is
// roomBase+setupRooms+k, apart from the setup rate's rooms.
const maxRoomSteps = 30

// parseClusterFlags reads the flags of parley-load cluster.
func parseClusterFlags(args []string, stderr io.Writer) (clusterOptions, error) {
	fs := flag.NewFlagSet("parley-load cluster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := clusterOptions{}
	legs := fs.String("legs", "300", "comma-separated sizes of the one room (with -find-max: then ×1.5 while every node holds)")
	rates := fs.String("rates", "20,50,100,150,200,300,400", "comma-separated calls per second through Kamailio, increasing; \"\": no setup rate")
	cpus := fs.String("node-cpus", "0,1,0", "the cores the 3 nodes are pinned to (-1: not pinned)")
	fs.StringVar(&o.parley, "parley", "bin/parley", "the parley binary")
	fs.StringVar(&o.nats, "nats-server", "nats-server", "the nats-server binary")
	fs.StringVar(&o.kamailio, "kamailio", "kamailio", "the kamailio binary")
	fs.StringVar(&o.kamailioCfg, "kamailio-cfg", "packaging/kamailio/kamailio.cfg", "Kamailio's config")
	fs.StringVar(&o.store, "store", "postgres", "the nodes' store: postgres (one database for all) or sqlite (a file each)")
	fs.StringVar(&o.dir, "dir", "bin/load-cluster", "where configs, logs and results.md go")
	fs.BoolVar(&o.findMax, "find-max", false, "raise N ×1.5 while every node holds")
	fs.DurationVar(&o.window, "window", 10*time.Second, "the measurement window")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "time after the last leg is up before the window")
	fs.IntVar(&o.loadCPU, "load-cpu", 1, "the core the load generator is pinned to; -1: not pinned")
	fs.IntVar(&o.rtpBase, "rtp-base", 20000, "the first of the nodes' RTP ports")
	fs.IntVar(&o.setup, "setup", 20, "calls set up at once")
	fs.IntVar(&o.shared, "parley-rtp-shared", 0, "the nodes' rtp.shared_ports")
	fs.DurationVar(&o.rateFor, "rate-for", 3*time.Second, "setup rate: how long each rate places calls")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	var err error
	if o.legs, err = positives("legs", *legs, stderr); err != nil {
		return o, err
	}
	if *rates != "" {
		if o.rates, err = positives("rates", *rates, stderr); err != nil {
			return o, err
		}
	}
	for _, s := range strings.Split(*cpus, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || c < -1 {
			fmt.Fprintf(stderr, "parley-load cluster: -node-cpus: %q is not a core\n", s)
			return o, errors.New("bad -node-cpus")
		}
		o.nodeCPUs = append(o.nodeCPUs, c)
	}
	if len(o.nodeCPUs) != 3 {
		fmt.Fprintf(stderr, "parley-load cluster: -node-cpus: %d cores, want one for each of the 3 nodes\n", len(o.nodeCPUs))
		return o, errors.New("bad -node-cpus")
	}
	most := 0
	for _, n := range o.legs {
		if n < minClusterLegs {
			fmt.Fprintf(stderr, "parley-load cluster: -legs %d: the room needs at least %d (3 talkers, %d probes)\n", n, minClusterLegs, clusterProbes)
			return o, errors.New("bad -legs")
		}
		most = max(most, n)
	}
	for _, r := range o.rates {
		most = max(most, 3*r)
	}
	if o.window <= 0 || o.warmup < 0 || o.rateFor <= 0 || o.setup < 1 || o.rtpBase < 1024 || o.rtpBase+3*(2*most+100) > 65535 ||
		len(o.legs) > maxRoomSteps {
		fmt.Fprintf(stderr, "parley-load cluster: -window, -rate-for and -setup must be positive, -warmup not negative, at most %d -legs, "+
			"and -rtp-base (1024 or more) must leave 3 × (2 × %d + 100) ports\n", maxRoomSteps, most)
		return o, errors.New("bad flags")
	}
	return o, nil
}

// runCluster is parley-load cluster: it returns the exit status.
func runCluster(args []string, stdout, stderr io.Writer) int {
	o, err := parseClusterFlags(args, stderr)
	if err != nil {
		return 2
	}
	ctx, cancel, ok := begin(o.loadCPU, o.dir, stderr)
	if !ok {
		return 1
	}
	defer cancel()
	var out strings.Builder
	w := io.MultiWriter(stdout, &out)
	fmt.Fprintf(w, "## Cluster load run %s\n\n%s; commit %s; load average at the start %s.\n%s\n\n`parley-load cluster %s`\n",
		time.Now().UTC().Format(time.RFC3339), machine(), commit(), loadAverage(), o.pinning(), strings.Join(args, " "))
	_, err = clusterLoad(ctx, o, w, stderr)
	fmt.Fprintf(w, "\nLoad average at the end: %s.\n", loadAverage())
	_ = os.WriteFile(filepath.Join(o.dir, "results.md"), []byte(out.String()), 0o644)
	if err != nil {
		fmt.Fprintf(stderr, "parley-load: %v\n", err)
		return 1
	}
	return 0
}

// pinning says where each process ran.
func (o clusterOptions) pinning() string {
	var b strings.Builder
	for i, c := range o.nodeCPUs {
		fmt.Fprintf(&b, "node n%d on %s, ", i+1, core(c))
	}
	fmt.Fprintf(&b, "each with GOMAXPROCS=1; the load generator on %s; nats-server, PostgreSQL and Kamailio not pinned. Window %v after %v of warm-up; store %s.",
		core(o.loadCPU), o.window, o.warmup, o.store)
	return b.String()
}

// core names a pinning.
func core(c int) string {
	if c < 0 {
		return "no pinned core"
	}
	return fmt.Sprintf("CPU %d", c)
}

// clusterResults is what a cluster run measured.
type clusterResults struct {
	Rooms    []roomRun
	Largest  int // the largest N every node held (-find-max)
	Rates    []clusterRate
	BestRate int
}

// clusterLoad starts NATS and the store, measures the room at each N
// and the setup rate, and prints the tables.
func clusterLoad(ctx context.Context, o clusterOptions, out, progress io.Writer) (clusterResults, error) {
	var res clusterResults
	e, err := newClusterEnv(o)
	if err != nil {
		return res, err
	}
	defer e.close()
	ns := append([]int(nil), o.legs...)
	for i := 0; i < len(ns); i++ {
		r, err := e.measureRoom(ctx, ns[i], setupRooms+i, progress)
		if err != nil {
			if ctx.Err() != nil {
				return res, err
			}
			r.Err = err.Error()
			fmt.Fprintf(progress, "cluster: %d legs: %v\n", ns[i], err)
		}
		res.Rooms = append(res.Rooms, r)
		if r.Err == "" && r.holds() {
			res.Largest = max(res.Largest, r.Legs)
			if next := ns[i] * 3 / 2; o.findMax && i == len(ns)-1 && len(ns) < maxRoomSteps && o.rtpBase+3*(2*next+100) <= 65535 {
				ns = append(ns, next)
			}
		}
	}
	printClusterRooms(out, res.Rooms, res.Largest)
	if len(o.rates) > 0 {
		if res.Rates, res.BestRate, err = e.setupRates(ctx, progress); err != nil && ctx.Err() != nil {
			return res, err
		}
		printClusterRates(out, res.Rates, res.BestRate, err)
	}
	return res, nil
}

// clusterEnv is what the nodes of every run share: NATS and the store.
type clusterEnv struct {
	o         clusterOptions
	nats      *natsServer
	storeFmt  string
	stopStore func()
	kamailio  string // the binary, found
	cfg       string // Kamailio's config, absolute
}

// newClusterEnv finds the programs and starts nats-server and the store.
func newClusterEnv(o clusterOptions) (*clusterEnv, error) {
	e := &clusterEnv{o: o}
	var err error
	if e.kamailio, err = exec.LookPath(o.kamailio); err != nil {
		if e.kamailio, err = exec.LookPath(filepath.Join("/usr/sbin", o.kamailio)); err != nil {
			return nil, fmt.Errorf("kamailio: %w (apt-get install kamailio)", err)
		}
	}
	if e.cfg, err = filepath.Abs(o.kamailioCfg); err != nil {
		return nil, err
	}
	if _, err := os.Stat(e.cfg); err != nil {
		return nil, fmt.Errorf("kamailio config: %w", err)
	}
	natsDir, err := runDir(o.dir, "nats", 0)
	if err != nil {
		return nil, err
	}
	if e.nats, err = startNATS(o.nats, natsDir); err != nil {
		return nil, err
	}
	if e.storeFmt, e.stopStore, err = startStore(o.store); err != nil {
		e.nats.p.stop()
		return nil, err
	}
	return e, nil
}

// close stops the store and NATS.
func (e *clusterEnv) close() {
	e.stopStore()
	_ = e.nats.p.stop()
}

// startCluster starts three fresh nodes for up to legs calls at once,
// one after the other (each seeds the rooms into the store), and
// Kamailio in front with dispatcher algorithm alg; stop stops them all.
func (e *clusterEnv) startCluster(ctx context.Context, label, alg string, legs int) (nodes []*clusterNode, kam *kamailioProc, stop func(), err error) {
	dir, err := runDir(e.o.dir, label, legs)
	if err != nil {
		return nil, nil, nil, err
	}
	stop = func() {
		if kam != nil {
			_ = kam.p.stop()
		}
		var wg sync.WaitGroup
		for _, n := range nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = n.stop()
			}()
		}
		wg.Wait()
	}
	span := 2*legs + 100
	for i, c := range e.o.nodeCPUs {
		name := fmt.Sprintf("n%d", i+1)
		nd := filepath.Join(dir, name)
		if err := os.MkdirAll(nd, 0o755); err != nil {
			stop()
			return nil, nil, nil, err
		}
		lo := e.o.rtpBase + i*span
		n, err := startNode(ctx, e.o.parley, nd, nodeSpec{name: name, cpu: c, rtpLo: lo, rtpHi: lo + span - 1, legs: legs,
			shared: e.o.shared, rooms: setupRooms + maxRoomSteps, natsURL: e.nats.url, storeFmt: e.storeFmt})
		if err != nil {
			stop()
			return nil, nil, nil, err
		}
		nodes = append(nodes, n)
	}
	kd := filepath.Join(dir, "kamailio")
	if err := os.MkdirAll(kd, 0o755); err != nil {
		stop()
		return nil, nil, nil, err
	}
	if kam, err = startKamailio(e.kamailio, e.cfg, kd, alg, nodes); err != nil {
		stop()
		return nil, nil, nil, err
	}
	return nodes, kam, stop, nil
}

// clusterSnap is the counters of the cluster's processes at one moment.
type clusterSnap struct {
	nodes    []nodeSnap
	kamailio time.Duration
	nats     time.Duration
	gen      time.Duration // this process's: the load generator's
	msgs     natsCounts
}

// nodeSnap is one node's CPU time and mixer ticks.
type nodeSnap struct {
	cpu   time.Duration
	ticks tickSnapshot
}

// snapshot reads every process's CPU time, the nodes' ticks and NATS's
// message counters.
func (e *clusterEnv) snapshot(nodes []*clusterNode, kam *kamailioProc) (clusterSnap, error) {
	var s clusterSnap
	for _, n := range nodes {
		t, _, err := n.ticks()
		if err != nil {
			return s, fmt.Errorf("node %s: %w", n.name, err)
		}
		c, err := cpuTime(n.pid())
		if err != nil {
			return s, fmt.Errorf("node %s: %w", n.name, err)
		}
		s.nodes = append(s.nodes, nodeSnap{cpu: c, ticks: t})
	}
	var err error
	if s.kamailio, err = treeCPU(kam.p.pid()); err != nil {
		return s, fmt.Errorf("kamailio: %w", err)
	}
	if s.nats, err = cpuTime(e.nats.p.pid()); err != nil {
		return s, fmt.Errorf("nats-server: %w", err)
	}
	if s.gen, err = cpuTime(os.Getpid()); err != nil {
		return s, fmt.Errorf("load generator: %w", err)
	}
	s.msgs, err = e.nats.counts()
	return s, err
}
