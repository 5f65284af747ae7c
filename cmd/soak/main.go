// Command soak holds many G.711 calls on a real `parley serve` for a long
// time and judges whether the bridge stays flat: `make soak` runs it.
//
//	soak -parley bin/parley [-legs 500] [-duration 1h] [-dir bin/soak]
//
// It starts the given parley binary on a config of its own (rooms of
// -per-room legs, no PINs, listeners on 127.0.0.1), has one sipp process
// place -legs calls that each send G.711 audio (a tone two seconds in ten)
// until every leg has been up together for -duration, and every -interval
// samples the bridge's RSS (/proc/PID/status VmRSS), goroutines
// (go_goroutines on /metrics), open fds, CPU and active calls into
// DIR/samples.csv. It passes when, after the warm-up, every leg is up at
// every sample and RSS and goroutines stay within ±tolerance of their
// median; when sipp completed every call and none failed (a BYE from the
// bridge fails a call); when the bridge sent no BYE of its own; and when,
// the calls over, goroutines and fds come back to what they were before.
// It exits 1 when the soak fails and 2 when it could not run.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run parses the flags, soaks and prints the verdict; it returns the exit
// status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := options{}
	fs.StringVar(&o.parley, "parley", "bin/parley", "the parley binary to soak")
	fs.StringVar(&o.sipp, "sipp", "sipp", "the sipp binary that places the calls")
	fs.StringVar(&o.dir, "dir", "bin/soak", "where the config, logs and samples.csv go")
	fs.IntVar(&o.legs, "legs", 500, "G.711 calls held together")
	fs.IntVar(&o.perRoom, "per-room", 10, "legs per room")
	fs.DurationVar(&o.duration, "duration", time.Hour, "how long every leg is up together")
	fs.DurationVar(&o.warmup, "warmup", 0, "not judged after the last leg is up; 0: a tenth of -duration, at least min(2m, duration/2)")
	fs.DurationVar(&o.interval, "interval", 10*time.Second, "time between samples")
	fs.Float64Var(&o.tolerance, "tolerance", 0.05, "RSS and goroutines stay within ± this fraction of their median")
	fs.Float64Var(&o.rate, "rate", 20, "calls placed per second while ramping up")
	fs.StringVar(&o.rtpPorts, "rtp-ports", "30000-39999", "the bridge's RTP port range")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.legs < 1 || o.perRoom < 1 || o.duration <= 0 || o.interval <= 0 || o.rate <= 0 || o.tolerance <= 0 {
		fmt.Fprintln(stderr, "soak: -legs, -per-room, -duration, -interval, -rate and -tolerance must be positive")
		return 2
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	v, err := soak(ctx, o, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "soak: %v\n", err)
		return 2
	}
	v.print(stdout)
	if f, err := os.Create(filepath.Join(o.dir, "summary.txt")); err != nil {
		fmt.Fprintf(stderr, "soak: %v\n", err)
	} else {
		v.print(f)
		f.Close()
	}
	if !v.ok() {
		return 1
	}
	return 0
}
