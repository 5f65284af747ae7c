// Command parley-load measures a conference bridge under real load from
// outside, and Janus's AudioBridge beside it: `make load` runs it.
//
//	parley-load -parley bin/parley [-janus janus] [-legs 200,400] [-scenario one-room,rooms-of-5]
//	            [-window 20s] [-warmup 5s] [-find-max] [-dir bin/load]
//
// For each scenario and each N it starts the bridge afresh, pinned to one
// core (taskset -c -bridge-cpu; Parley with GOMAXPROCS=1), while the load
// generator runs pinned to another (-load-cpu; it re-executes itself under
// taskset). It places N calls: real SIP through sipgo to Parley (INVITE
// with an SDP offer of PCMU, 200, ACK, and BYE at the end), and to Janus
// plain-RTP participants of its AudioBridge in PCMU joined through its
// HTTP API. Every leg sends RTP at 50 packets a second (PCMU, 20 ms):
// the talkers a tone each at -20 dBFS (440, 660, 880, 1100, 1320 Hz), the
// others µ-law silence. After -warmup it measures for -window: the
// bridge's CPU (utime+stime of /proc/PID/stat) per leg per second, its RSS
// above the idle RSS per leg (VmRSS), what the legs received (packets,
// sequence gaps, packets more than 60 ms behind the leg's quickest, RFC
// 3550 interarrival jitter), Parley's mixer ticks from /metrics
// (parley_mixer_tick_seconds, parley_mixer_late_ticks_total), and the
// tones heard by one listener (Goertzel: each talker's frequency at its
// level ± 3 dB), and the bridge-added latency (one talker pauses 100 ms a
// second; the time from sending its first frame after the pause to a
// listener's hearing it, p50/p99, to within a 20 ms frame). -find-max goes on past the last -legs in steps of ×1.5
// while Parley's one room holds (late ticks under 0.1%, delivery at least
// 99%, the tones heard) and reports the largest N that held. It prints Markdown tables, also written to DIR/results.md.
//
// It exits 1 when a measurement could not be made and 2 on bad flags.
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
	parley    string
	janus     string // "" leaves Janus out
	dir       string
	legs      []int
	scenarios []scenario
	window    time.Duration
	warmup    time.Duration
	findMax   bool
	bridgeCPU int // -1: not pinned
	loadCPU   int // -1: not pinned
	rtpBase   int
	shared    int // rtp.shared_ports of the Parley under test (-parley-rtp-shared)
	setup     int
}

// pinnedEnv marks the re-executed, pinned load generator.
const pinnedEnv = "PARLEY_LOAD_PINNED"

// run parses the flags, measures and prints the tables; it returns the
// exit status.
func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return 2
	}
	if o.loadCPU >= 0 && os.Getenv(pinnedEnv) == "" {
		if err := pinSelf(o.loadCPU); err != nil {
			fmt.Fprintf(stderr, "parley-load: %v\n", err)
			return 1
		}
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		fmt.Fprintf(stderr, "parley-load: %v\n", err)
		return 1
	}
	var out strings.Builder
	fmt.Fprintf(&out, "## Load run %s\n\n%s; commit %s. Bridge on CPU %d, load generator on CPU %d (-1: not pinned); window %v after %v of warm-up.\n\n`parley-load %s`\n",
		time.Now().UTC().Format(time.RFC3339), machine(), commit(), o.bridgeCPU, o.loadCPU, o.window, o.warmup, strings.Join(args, " "))
	_, err = load(ctx, o, io.MultiWriter(stdout, &out), stderr)
	_ = os.WriteFile(filepath.Join(o.dir, "results.md"), []byte(out.String()), 0o644)
	if err != nil {
		fmt.Fprintf(stderr, "parley-load: %v\n", err)
		return 1
	}
	return 0
}

// machine describes the CPUs from /proc/cpuinfo: the model and how many.
func machine() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown machine"
	}
	model, n := "unknown CPU", 0
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		switch k = strings.TrimSpace(k); {
		case !ok:
		case k == "processor":
			n++
		case k == "model name":
			model = strings.TrimSpace(v)
		}
	}
	return fmt.Sprintf("%d × %s", n, model)
}

// commit is the working tree's git commit, if there is one.
func commit() string {
	out, err := exec.Command("git", "describe", "--always", "--dirty").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// parseFlags reads the flags into options.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("parley-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := options{}
	legs := fs.String("legs", "200,400", "comma-separated numbers of legs to measure (with -find-max: then ×1.5 while Parley holds)")
	scen := fs.String("scenario", "one-room,rooms-of-5", "comma-separated scenarios: one-room, rooms-of-5")
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
	fs.IntVar(&o.shared, "parley-rtp-shared", 0, "Parley's rtp.shared_ports: RTP sockets its SIP legs share, read and written in batches; 0: a socket per leg")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for _, s := range strings.Split(*legs, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(stderr, "parley-load: -legs: %q is not a positive number\n", s)
			return o, errors.New("bad -legs")
		}
		o.legs = append(o.legs, n)
	}
	for _, s := range strings.Split(*scen, ",") {
		sc, ok := scenarios[strings.TrimSpace(s)]
		if !ok {
			fmt.Fprintf(stderr, "parley-load: -scenario: unknown %q (one-room, rooms-of-5)\n", s)
			return o, errors.New("bad -scenario")
		}
		o.scenarios = append(o.scenarios, sc)
	}
	if o.window <= 0 || o.warmup < 0 || o.setup < 1 || o.rtpBase < 1024 || o.rtpBase > 60000 {
		fmt.Fprintln(stderr, "parley-load: -window and -setup must be positive, -warmup not negative, -rtp-base within 1024-60000")
		return o, errors.New("bad flags")
	}
	return o, nil
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
		var rs []result
		ns := o.legs
		largest := 0
		for i := 0; i < len(ns); i++ {
			n := ns[i]
			pl := plan{scenario: sc, legs: n, warmup: o.warmup, window: o.window, setup: o.setup}
			r, err := measure(ctx, o.startParley(ctx, n), pl, progress)
			if err != nil {
				printTable(out, sc, rs)
				return all, err
			}
			rs = append(rs, r)
			if o.janus != "" {
				r, err := measure(ctx, o.startJanus(ctx, n), pl, progress)
				if err != nil {
					printTable(out, sc, rs)
					return all, err
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
