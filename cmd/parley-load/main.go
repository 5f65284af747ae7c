// Command parley-load measures a conference bridge under real load from
// outside, and Janus's AudioBridge beside it: `make load` runs it.
//
//	parley-load -parley bin/parley [-janus janus] [-legs 200,400] [-browser-legs 50,100]
//	            [-scenario one-room,rooms-of-5,browsers,browsers-rooms-of-5,mixed,setup-rate]
//	            [-window 20s] [-warmup 5s] [-jitter 30ms] [-find-max] [-rates 10,20,…] [-rate-for 3s]
//	            [-setup-limit 60s] [-dir bin/load] [-benchmarks BENCHMARKS.md]
//
// For each scenario and each N it starts the bridge afresh, pinned to one
// core (taskset -c -bridge-cpu; Parley with GOMAXPROCS=1), while the load
// generator runs pinned to another (-load-cpu; it re-executes itself under
// taskset). It places N calls: real SIP through sipgo to Parley (INVITE
// with an SDP offer of PCMU, 200, ACK, and BYE at the end), and to Janus
// plain-RTP participants of its AudioBridge in PCMU joined through its
// HTTP API; in the browser scenarios (browsers, browsers-rooms-of-5,
// mixed; Parley only) legs are pion WebRTC browser guests (ICE, DTLS-SRTP,
// Opus with the RFC 6464 audio level) joined through a group link's
// WebSocket. Every leg sends RTP at 50 packets a second (20 ms), each
// packet delayed by a random 0 to -jitter in order: the talkers a tone
// each at -20 dBFS (440, 660, 880, 1100, 1320 Hz), the others silence.
// After -warmup it measures for -window: the bridge's CPU (utime+stime of
// /proc/PID/stat) per leg per second, its RSS above the idle RSS per leg
// (VmRSS), what the legs received (packets, sequence gaps, packets more
// than 60 ms behind the leg's quickest, RFC 3550 interarrival jitter),
// Parley's mixer ticks from /metrics (parley_mixer_tick_seconds,
// parley_mixer_late_ticks_total), and the tones heard by one listener
// (Goertzel: each talker's frequency at its level ± 3 dB), and the
// bridge-added latency (one talker pauses 100 ms a second; the time from
// sending its first frame after the pause to a listener's hearing it,
// p50/p99, to within a 20 ms frame). -find-max goes on past the last -legs
// in steps of ×1.5 while Parley's one room holds (late ticks under 0.1%,
// delivery at least 99%, the tones heard) and reports the largest N that
// held. The setup-rate scenario places calls (INVITE, 200, ACK, 2 s of RTP,
// BYE) at each of -rates calls a second for -rate-for and reports the
// highest rate with no failed call and setup p99 under 200 ms. It prints
// Markdown tables, also written to DIR/results.md, and with -benchmarks
// FILE rewrites each scenario's section of FILE between its markers
// <!-- load:begin SCENARIO --> and <!-- load:end SCENARIO -->, headed by
// the date, machine, commit, load average and command (benchmarksmd.go).
//
// `parley-load cluster` measures three nodes of a cluster behind Kamailio
// instead (`make load-cluster`; see clusterrun.go).
//
// A bridge whose N legs are not all up within -setup-limit, or that
// fails otherwise, is a row that says why: the run goes on without Janus
// in that scenario, and a -find-max step that fails ends the search. It
// exits 1 when Parley could not be measured at one of the Ns asked for (at
// the end of the run, its tables written) or a scenario could not run at
// all, and 2 on bad flags (or a -benchmarks file whose markers do not
// pair up).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command's flags.
type options struct {
	parley      string
	janus       string // "" leaves Janus out
	dir         string
	legs        []int
	scenarios   []scenario
	window      time.Duration
	warmup      time.Duration
	findMax     bool
	bridgeCPU   int // -1: not pinned
	loadCPU     int // -1: not pinned
	rtpBase     int
	shared      int // rtp.shared_ports of the Parley under test (-parley-rtp-shared)
	setup       int
	jitter      time.Duration
	browserLegs []int         // the Ns of the scenarios with browsers; nil: legs
	rates       []int         // calls per second of -scenario setup-rate
	rateFor     time.Duration // how long each rate places calls
	benchmarks  string        // the Markdown file whose load sections a run rewrites; "": none
	setupLimit  time.Duration // how long a bridge's N legs may take to join; 0: no bound
}

// pinnedEnv marks the re-executed, pinned load generator.
const pinnedEnv = "PARLEY_LOAD_PINNED"

// begin readies a run: it pins the generator to loadCPU (unless that is
// -1 or the process was started pinned), makes dir, and returns a context
// an interrupt cancels. ok false means it failed and said why on stderr.
func begin(loadCPU int, dir string, stderr io.Writer) (ctx context.Context, cancel context.CancelFunc, ok bool) {
	if loadCPU >= 0 && os.Getenv(pinnedEnv) == "" {
		if err := pinSelf(loadCPU); err != nil {
			fmt.Fprintf(stderr, "parley-load: %v\n", err)
			return nil, nil, false
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(stderr, "parley-load: %v\n", err)
		return nil, nil, false
	}
	ctx, cancel = signal.NotifyContext(context.Background(), os.Interrupt)
	return ctx, cancel, true
}

// run parses the flags, measures and prints the tables; it returns the
// exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "cluster" {
		return runCluster(args[1:], stdout, stderr) // clusterrun.go
	}
	o, err := parseFlags(args, stderr)
	if err != nil {
		return 2
	}
	ctx, cancel, ok := begin(o.loadCPU, o.dir, stderr)
	if !ok {
		return 1
	}
	defer cancel()
	ri := newRunInfo(os.Args[0], args)
	var out strings.Builder
	fmt.Fprintf(&out, "## Load run %s\n\n%s; commit %s. Bridge on CPU %d, load generator on CPU %d (-1: not pinned); window %v after %v of warm-up.\n\n`%s`\n",
		ri.began.Format(time.RFC3339), ri.machine, ri.commit, o.bridgeCPU, o.loadCPU, o.window, o.warmup, ri.command)
	tables := &scenarioTables{w: io.MultiWriter(stdout, &out), loadavgf: loadAverage}
	all, err := load(ctx, o, tables, stderr)
	_ = os.WriteFile(filepath.Join(o.dir, "results.md"), []byte(out.String()), 0o644)
	if err == nil {
		tables.finish() // a scenario that failed is left out
		err = parleyFailed(all, o.legs, o.browserLegs)
	}
	if o.benchmarks != "" && len(tables.done) > 0 {
		if werr := rewriteFile(o.benchmarks, tables.sections(ri, o)); werr != nil {
			err = errors.Join(err, werr)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "parley-load: %v\n", err)
		return 1
	}
	return 0
}

// parseFlags reads the flags into options.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("parley-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := options{}
	rates := fs.String("rates", "10,20,50,100,200,500,1000", "setup-rate: comma-separated calls per second, in increasing order")
	fs.DurationVar(&o.rateFor, "rate-for", 3*time.Second, "setup-rate: how long each rate places calls")
	browserLegs := fs.String("browser-legs", "", `comma-separated numbers of legs for the scenarios with browsers; "": -legs`)
	legs := fs.String("legs", "200,400", "comma-separated numbers of legs to measure (with -find-max: then ×1.5 while Parley holds)")
	scen := fs.String("scenario", "one-room,rooms-of-5", "comma-separated scenarios: "+scenarioNames())
	fs.StringVar(&o.parley, "parley", "bin/parley", "the parley binary")
	fs.StringVar(&o.janus, "janus", "", `the janus binary; "" leaves Janus out`)
	fs.StringVar(&o.dir, "dir", "bin/load", "where configs, logs and results.md go")
	fs.DurationVar(&o.window, "window", 20*time.Second, "the measurement window")
	fs.DurationVar(&o.warmup, "warmup", 5*time.Second, "time after the last leg is up before the window")
	fs.BoolVar(&o.findMax, "find-max", false, "raise N on Parley's one room until late ticks exceed 0.1% or delivery fails")
	fs.IntVar(&o.bridgeCPU, "bridge-cpu", 0, "the core the bridge is pinned to; -1: not pinned")
	fs.IntVar(&o.loadCPU, "load-cpu", 1, "the core the load generator is pinned to; -1: not pinned")
	fs.IntVar(&o.rtpBase, "rtp-base", 20000, "the first of the bridges' RTP ports")
	fs.IntVar(&o.setup, "setup", 20, "calls set up at once")
	fs.DurationVar(&o.jitter, "jitter", 0, "network jitter: delay every packet the generator sends by a random 0 to this, keeping each leg's order")
	fs.DurationVar(&o.setupLimit, "setup-limit", 60*time.Second, "how long the joins of a bridge's N legs may take before that bridge is reported as failed at N; 0: no bound")
	fs.StringVar(&o.benchmarks, "benchmarks", "", `a Markdown file whose <!-- load:begin SCENARIO --> sections the run rewrites (cmd/parley-load/benchmarksmd.go); "": none`)
	fs.IntVar(&o.shared, "parley-rtp-shared", 0, "Parley's rtp.shared_ports: RTP sockets its SIP legs share, read and written in batches; 0: a socket per leg")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	var err error
	if err = checkSectionsFile(o.benchmarks); err != nil {
		fmt.Fprintf(stderr, "parley-load: -benchmarks: %v\n", err)
		return o, err
	}
	if o.legs, err = positives("legs", *legs, stderr); err != nil {
		return o, err
	}
	if o.rates, err = positives("rates", *rates, stderr); err != nil {
		return o, err
	}
	if *browserLegs != "" {
		if o.browserLegs, err = positives("browser-legs", *browserLegs, stderr); err != nil {
			return o, err
		}
	}
	for _, s := range strings.Split(*scen, ",") {
		sc, ok := scenarios[strings.TrimSpace(s)]
		if !ok {
			fmt.Fprintf(stderr, "parley-load: -scenario: unknown %q (%s)\n", s, scenarioNames())
			return o, errors.New("bad -scenario")
		}
		o.scenarios = append(o.scenarios, sc)
	}
	if o.rateFor <= 0 || o.window <= 0 || o.warmup < 0 || o.setupLimit < 0 || o.jitter < 0 || o.jitter > time.Second || o.setup < 1 || o.rtpBase < 1024 || o.rtpBase > 60000 {
		fmt.Fprintln(stderr, "parley-load: -window, -rate-for and -setup must be positive, -warmup and -setup-limit not negative, -jitter within 0-1s, -rtp-base within 1024-60000")
		return o, errors.New("bad flags")
	}
	most := 0
	for _, n := range append(append(append([]int(nil), o.legs...), o.browserLegs...), 3*slices.Max(o.rates)) {
		most = max(most, n)
	}
	if o.rtpBase+2*most+100 > 65535 {
		fmt.Fprintf(stderr, "parley-load: -rtp-base %d leaves too few RTP ports for %d legs (2 each)\n", o.rtpBase, most)
		return o, errors.New("bad flags")
	}
	return o, nil
}

// positives parses flag's comma-separated positive numbers.
func positives(flag, list string, stderr io.Writer) ([]int, error) {
	var ns []int
	for _, s := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(stderr, "parley-load: -%s: %q is not a positive number\n", flag, s)
			return nil, fmt.Errorf("bad -%s", flag)
		}
		ns = append(ns, n)
	}
	return ns, nil
}

// scenarioNames lists the scenarios' names, sorted.
func scenarioNames() string {
	var names []string
	for n := range scenarios {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// pinSelf re-executes the command under taskset -c cpu and does not
// return unless that fails.
func pinSelf(cpu int) error {
	if runtime.NumCPU() <= cpu {
		return fmt.Errorf("-load-cpu %d: this machine has %d CPUs (give -load-cpu -1 -bridge-cpu -1 to run unpinned)", cpu, runtime.NumCPU())
	}
	taskset, err := exec.LookPath("taskset")
	if err != nil {
		return fmt.Errorf("taskset (util-linux) is needed to pin the load generator: %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	return syscall.Exec(taskset, append([]string{"taskset", "-c", strconv.Itoa(cpu), self}, os.Args[1:]...),
		append(os.Environ(), pinnedEnv+"=1"))
}

// load measures every scenario at every N on Parley and, with -janus, on
// Janus right after, and prints a table per scenario.
func load(ctx context.Context, o options, out, progress io.Writer) (map[string][]result, error) {
	all := map[string][]result{}
	for _, sc := range o.scenarios {
		if t, ok := out.(interface{ startScenario(string) }); ok {
			t.startScenario(sc.Name) // the -benchmarks sections
		}
		if sc.SetupRate {
			if err := o.setupRates(ctx, sc, out, progress); err != nil {
				return all, err
			}
			continue
		}
		var rs []result
		ns := o.legs
		if sc.BrowserEvery > 0 && len(o.browserLegs) > 0 {
			ns = o.browserLegs
		}
		largest, asked, janusFailed := 0, len(ns), false
		for i := 0; i < len(ns); i++ {
			n := ns[i]
			pl := plan{scenario: sc, legs: n, warmup: o.warmup, window: o.window, setup: o.setup, jitter: o.jitter, setupLimit: o.setupLimit}
			r, err := measure(ctx, o.startParley(ctx, n), pl, progress)
			if err != nil && ctx.Err() != nil {
				printTable(out, sc, rs)
				return all, err
			}
			if err != nil { // a row that says why; run exits 1 at the end
				r = failedRow(progress, "Parley", sc, n, err)
			}
			rs = append(rs, r)
			if r.Skipped != "" && i >= asked { // a -find-max step: the search ends there
				break
			}
			if o.janus != "" && sc.BrowserEvery > 0 {
				rs = append(rs, result{Bridge: "Janus", Scenario: sc.Name, Legs: n, Skipped: "no WebRTC legs for Janus in this harness"})
			} else if o.janus != "" && janusFailed {
				rs = append(rs, result{Bridge: "Janus", Scenario: sc.Name, Legs: n, Skipped: "not measured: it failed at fewer legs"})
			} else if o.janus != "" {
				r, err := measure(ctx, o.startJanus(ctx, n), pl, progress)
				if err != nil && ctx.Err() != nil {
					printTable(out, sc, rs)
					return all, err
				}
				if err != nil { // Janus's limit: the run goes on without it
					r, janusFailed = failedRow(progress, "Janus", sc, n, err), true
				}
				rs = append(rs, r)
			}
			if o.findMax && sc.PerRoom == 0 && holds(rs[len(rs)-1-boolInt(o.janus != "")]) {
				largest = max(largest, n)
				if i == len(ns)-1 {
					ns = append(ns, n*3/2)
				}
			}
		}
		all[sc.Name] = rs
		printTable(out, sc, rs)
		if o.findMax && sc.PerRoom == 0 {
			fmt.Fprintf(out, "\nfind-max: the largest N at which Parley held (late ticks < 0.1%%, delivery ≥ 99%%, tones heard): %d\n", largest)
		}
	}
	return all, nil
}

// holds reports whether a Parley run kept up: late ticks under 0.1%,
// delivery at least 99% and the tones heard.
func holds(r result) bool {
	return r.Ticks.LateRate() < 0.001 && r.Delivered() >= 0.99 && r.TonesOK()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// startParley returns the starter of a fresh Parley for n legs.
func (o options) startParley(ctx context.Context, n int) func(int) (bridge, error) {
	return func(rooms int) (bridge, error) {
		dir, err := runDir(o.dir, "parley", n)
		if err != nil {
			return nil, err
		}
		return startParley(ctx, o.parley, dir, o.bridgeCPU, rooms, n, o.rtpBase, o.shared)
	}
}

// startJanus returns the starter of a fresh Janus for n legs.
func (o options) startJanus(ctx context.Context, n int) func(int) (bridge, error) {
	return func(rooms int) (bridge, error) {
		dir, err := runDir(o.dir, "janus", n)
		if err != nil {
			return nil, err
		}
		return startJanus(ctx, o.janus, dir, o.bridgeCPU, rooms, n, o.rtpBase)
	}
}
