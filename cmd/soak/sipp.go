package main

import (
	"context"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// holdScenario is the sipp scenario of one leg: G.711 audio for the -d
// pause, then BYE.
//
//go:embed hold.xml
var holdScenario string

// callers is one sipp process placing every leg.
type callers struct {
	cmd    *exec.Cmd
	stats  string // sipp's -trace_stat CSV
	exited chan struct{}
	err    error // cmd.Wait's result; read after exited is closed
}

// sippStats is the last row of sipp's statistics: the calls it completed
// and those that failed (any unexpected message, such as a BYE from the
// bridge, or a timeout).
type sippStats struct {
	successful, failed int
}

// makeTone writes the audio every leg loops: 2 s of a 440 Hz tone, then
// 8 s of silence, as raw µ-law (sipp's rtp_stream reads no WAV), so that
// about one leg in five talks at any time, as in a real conference.
func makeTone(dir string) (string, error) {
	path := filepath.Join(dir, "talk.ulaw")
	out, err := exec.Command("sox", "-n", "-r", "8000", "-c", "1", "-t", "raw", "-e", "mu-law", path,
		"synth", "2", "sine", "440", "vol", "0.3", "pad", "0", "8").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("sox: %w: %s", err, out)
	}
	return path, nil
}

// freeUDPPort returns an even UDP port on 127.0.0.1 of which it could
// bind it and the next three (sipp's -mp uses up to four).
func freeUDPPort() (int, error) {
	for range 50 {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("finding a free port: %w", err)
		}
		base := c.LocalAddr().(*net.UDPAddr).Port &^ 1
		c.Close()
		if base+3 > 65535 {
			continue
		}
		ok := true
		for p := base; p < base+4 && ok; p++ {
			c, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
			if err != nil {
				ok = false
				continue
			}
			c.Close()
		}
		if ok {
			return base, nil
		}
	}
	return 0, errors.New("finding a free port: none after 50 tries")
}

// startCallers runs sipp from dir: legs calls to room numbers roomBase,
// roomBase+1, … in turn (perRoom each), rate a second, each holding for
// hold.
func startCallers(ctx context.Context, sipp, dir, target, tone string, legs, perRoom int, rate float64, hold time.Duration) (*callers, error) {
	scenario := filepath.Join(dir, "hold.xml")
	if err := os.WriteFile(scenario, []byte(strings.ReplaceAll(holdScenario, "TONE_FILE", tone)), 0o644); err != nil {
		return nil, fmt.Errorf("writing scenario: %w", err)
	}
	// sipp calls one service; the injection file gives each call its room.
	inject := filepath.Join(dir, "rooms.csv")
	var b strings.Builder
	b.WriteString("SEQUENTIAL\n")
	for i := range legs {
		fmt.Fprintf(&b, "%d\n", roomBase+i%roomsFor(legs, perRoom))
	}
	if err := os.WriteFile(inject, []byte(b.String()), 0o644); err != nil {
		return nil, fmt.Errorf("writing injection file: %w", err)
	}
	mp, err := freeUDPPort()
	if err != nil {
		return nil, err
	}
	c := &callers{stats: filepath.Join(dir, "sipp-stats.csv"), exited: make(chan struct{})}
	args := []string{"-sf", scenario, "-inf", inject,
		"-i", "127.0.0.1", "-mi", "127.0.0.1", "-mp", strconv.Itoa(mp),
		"-r", strconv.FormatFloat(rate, 'f', -1, 64), "-rp", "1000",
		"-l", strconv.Itoa(legs), "-m", strconv.Itoa(legs),
		"-d", strconv.FormatInt(hold.Milliseconds(), 10),
		"-nostdin", "-trace_err", "-error_file", filepath.Join(dir, "sipp-errors.log"),
		"-trace_stat", "-stf", c.stats, "-fd", "10",
		// sipp's own lateness on a busy machine is not the bridge's: no
		// count of watchdog trips ends the run.
		"-watchdog_minor_maxtriggers", "1000000", "-watchdog_major_maxtriggers", "1000000",
		"-trace_screen", "-screen_file", filepath.Join(dir, "sipp-screen.log"),
		target}
	c.cmd = exec.Command(sipp, args...)
	c.cmd.Dir = dir
	c.cmd.Stdout = io.Discard
	errLog, err := os.Create(filepath.Join(dir, "sipp.stderr"))
	if err != nil {
		return nil, fmt.Errorf("creating sipp log: %w", err)
	}
	c.cmd.Stderr = errLog
	if err := c.cmd.Start(); err != nil {
		errLog.Close()
		return nil, fmt.Errorf("starting sipp: %w", err)
	}
	go func() {
		defer close(c.exited)
		defer errLog.Close()
		c.err = c.cmd.Wait()
	}()
	return c, nil
}

// stop ends sipp at once (its calls are abandoned, not hung up).
func (c *callers) stop() {
	select {
	case <-c.exited:
		return
	default:
	}
	_ = c.cmd.Process.Kill()
	<-c.exited
}

// readStats returns the cumulative counts of the last row of sipp's
// statistics file.
func readStats(path string) (sippStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return sippStats{}, fmt.Errorf("reading sipp statistics: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = ';'
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return sippStats{}, fmt.Errorf("reading sipp statistics: %w", err)
	}
	if len(rows) < 2 {
		return sippStats{}, errors.New("reading sipp statistics: no rows")
	}
	head, last := rows[0], rows[len(rows)-1]
	col := func(name string) (int, error) {
		i := slices.Index(head, name)
		if i < 0 || i >= len(last) {
			return 0, fmt.Errorf("reading sipp statistics: no column %s", name)
		}
		return strconv.Atoi(strings.TrimSpace(last[i]))
	}
	var s sippStats
	if s.successful, err = col("SuccessfulCall(C)"); err != nil {
		return s, err
	}
	if s.failed, err = col("FailedCall(C)"); err != nil {
		return s, err
	}
	return s, nil
}
