package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// parley is a running `parley serve` on a config written for the soak.
type parley struct {
	cmd    *exec.Cmd
	sipUDP string // host:port of the SIP UDP listener
	http   string // host:port of the HTTP listener
	exited chan struct{}
	err    error // cmd.Wait's result; read after exited is closed

	mu     sync.Mutex
	counts map[string]int // log messages that the verdict reads, by message
}

// watchedMessages are the log lines the soak counts: a BYE from the
// bridge, and calls it turned away or lost after answering.
var watchedMessages = []string{"hanging up", "call refused", "call failed after answer", "call answered", "call ended"}

// soakConfig is a parley.yaml with rooms of perRoom legs enough for legs
// calls, no PINs, no announcements, no drain at the stop (calls left are
// hung up at once), no H.323 listener, and every other listener on
// 127.0.0.1 with a port of the kernel's choosing.
func soakConfig(dir string, legs, perRoom int, rtpPorts string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `sip:
  listen: [udp://127.0.0.1:0]
rtp:
  ports: %s
http:
  listen: 127.0.0.1:0
webrtc:
  udp_port: 0
  listen_ip: 127.0.0.1
h323:
  listen: "" # no H.323 dial-in: its default port, 1720, is not the run's own
store:
  path: %s
log:
  level: info
  format: json
media:
  rtp_timeout: 30s
prompts:
  announce_join_leave: false
shutdown:
  grace: 0s
rooms:
`, rtpPorts, filepath.Join(dir, "parley.db"))
	for i := range roomsFor(legs, perRoom) {
		fmt.Fprintf(&b, "  - {number: \"%d\", name: Soak %d, pin: \"\", guest_access: false, guest_role: attendee}\n", roomBase+i, i)
	}
	return b.String()
}

// roomBase is the number of the first soak room; room i is roomBase+i.
const roomBase = 7000

// roomsFor is how many rooms of perRoom legs hold legs calls.
func roomsFor(legs, perRoom int) int { return (legs + perRoom - 1) / perRoom }

// startParley writes the config into dir and runs bin on it, its JSON log
// going to dir/parley.log, and waits until it is ready.
func startParley(ctx context.Context, bin, dir, config string) (*parley, error) {
	path := filepath.Join(dir, "parley.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		return nil, fmt.Errorf("writing config: %w", err)
	}
	logFile, err := os.Create(filepath.Join(dir, "parley.log"))
	if err != nil {
		return nil, fmt.Errorf("creating log: %w", err)
	}
	cmd := exec.Command(bin, "serve", "--config", path)
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting parley: %w", err)
	}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting parley: %w", err)
	}
	p := &parley{cmd: cmd, exited: make(chan struct{}), counts: map[string]int{}}
	ready := make(chan struct{})
	go func() {
		defer close(p.exited)
		defer logFile.Close()
		p.follow(io.TeeReader(stderr, logFile), ready)
		p.err = cmd.Wait()
	}()
	select {
	case <-ready:
	case <-p.exited:
		return nil, fmt.Errorf("parley exited before it was ready (%v); see %s", p.err, logFile.Name())
	case <-time.After(30 * time.Second):
		p.stop()
		return nil, errors.New("parley not ready after 30 s")
	case <-ctx.Done():
		p.stop()
		return nil, ctx.Err()
	}
	if p.sipUDP == "" || p.http == "" {
		p.stop()
		return nil, errors.New("parley logged no SIP UDP or HTTP address")
	}
	return p, nil
}

// follow reads the JSON log, learns the listeners' addresses and counts
// the watched messages; it closes ready at "parley ready".
func (p *parley) follow(r io.Reader, ready chan struct{}) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	var once sync.Once
	for sc.Scan() {
		var rec struct {
			Msg       string `json:"msg"`
			Addr      string `json:"addr"`
			Transport string `json:"transport"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) != nil {
			continue
		}
		p.mu.Lock()
		switch {
		case rec.Msg == "sip listening" && rec.Transport == "udp":
			p.sipUDP = rec.Addr
		case rec.Msg == "http listening":
			p.http = rec.Addr
		}
		for _, m := range watchedMessages {
			if rec.Msg == m {
				p.counts[m]++
			}
		}
		p.mu.Unlock()
		if rec.Msg == "parley ready" {
			once.Do(func() { close(ready) })
		}
	}
	_, _ = io.Copy(io.Discard, r) // keep the pipe drained until the process exits
}

// count returns how many times msg was logged so far.
func (p *parley) count(msg string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[msg]
}

// stop sends SIGINT, waits up to 20 s for a clean exit, and kills the
// process after that. It returns the exit error, if any.
func (p *parley) stop() error {
	select {
	case <-p.exited:
		return p.err
	default:
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
		return p.err
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return errors.New("parley did not stop within 20 s of SIGINT: killed")
	}
}
