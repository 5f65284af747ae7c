package e2e

import (
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// h323PeerTarball is the prebuilt H323Plus endpoint (the `simple` sample
// on PTLib, patched with --play/--record/--duration/--exit-on-clear); its
// README beside it is the licence notice and the manual.
const h323PeerTarball = "testdata/h323peer/h323peer-dist.tar.gz"

// h323PeerBin holds the extracted wrapper script, extracted once for the
// package into the directory TestMain removes at the end.
var h323PeerBin struct {
	once sync.Once
	path string
	err  error
}

// h323PeerPath extracts the tarball once and returns its h323peer wrapper.
func h323PeerPath(t *testing.T) string {
	t.Helper()
	h323PeerBin.once.Do(func() {
		dir := filepath.Join(filepath.Dir(parleyBin), "h323peer")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			h323PeerBin.err = err
			return
		}
		out, err := exec.Command("tar", "xzf", h323PeerTarball, "-C", dir).CombinedOutput()
		if err != nil {
			h323PeerBin.err = fmt.Errorf("extracting %s: %v: %s", h323PeerTarball, err, out)
			return
		}
		h323PeerBin.path = filepath.Join(dir, "h323peer-dist", "h323peer")
	})
	if h323PeerBin.err != nil {
		t.Fatal(h323PeerBin.err)
	}
	return h323PeerBin.path
}

// h323PeerOptions are how a test wants the endpoint to behave.
type h323PeerOptions struct {
	alias        string  // -u: its H.323-ID; "roomsys" if empty
	tone         float64 // Hz of the looping tone it sends (--play); 0 sends silence
	separateH245 bool    // -T: H.245 on its own TCP connection, not tunnelled
	slowStart    bool    // no -f: no fastStart, so TCS/MSD/OLC over H.245
	extra        []string
}

// h323Peer is one running H323Plus endpoint: it records what it hears into
// heard.wav in its directory and logs to peer.log there.
type h323Peer struct {
	name    string
	dir     string
	port    int // its H.225 call-signalling listen port (-x)
	cmd     *exec.Cmd
	stdin   io.WriteCloser // interactive callers only: digits, H, X
	log     *os.File
	exited  chan struct{}
	exitErr error
}

// h323PeerToneAmplitude is the peak amplitude of the peer's tone.
const h323PeerToneAmplitude = 0.25

// newH323Peer prepares a peer's directory, its tone and its arguments
// common to both roles.
func newH323Peer(t *testing.T, name string, o h323PeerOptions) (*h323Peer, []string) {
	t.Helper()
	bin := h323PeerPath(t)
	p := &h323Peer{name: name, dir: filepath.Join(t.TempDir(), name), port: freeTCPPort(t), exited: make(chan struct{})}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	alias := o.alias
	if alias == "" {
		alias = "roomsys"
	}
	args := []string{bin, "-n", "-i", "127.0.0.1", "-x", fmt.Sprint(p.port), "-u", alias, "--record", "heard.wav"}
	if !o.slowStart {
		args = append(args, "-f")
	}
	if o.separateH245 {
		args = append(args, "-T")
	}
	if o.tone > 0 {
		if err := writeTone(filepath.Join(p.dir, "tone.wav"), 8000, o.tone, h323PeerToneAmplitude, 10); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--play", "tone.wav*")
	}
	return p, append(args, o.extra...)
}

// startH323Listener runs a peer that listens on its port and answers every
// call by itself, as a room system dialled out to does.
func startH323Listener(t *testing.T, o h323PeerOptions) *h323Peer {
	t.Helper()
	p, args := newH323Peer(t, "h323listener", o)
	p.run(t, append(args, "-l", "-a", "-S"), false)
	p.waitListening(t)
	return p
}

// startH323Caller runs a peer that calls dest (ALIAS@HOST:PORT) and hangs
// up seconds after the call is established, then exits. With interactive,
// its stdin stays open for digits (sent as H.245 UserInputIndication) and
// it exits only on "X" (sendLine), so it must not use --exit-on-clear.
func startH323Caller(t *testing.T, o h323PeerOptions, dest string, seconds int, interactive bool) *h323Peer {
	t.Helper()
	p, args := newH323Peer(t, "h323caller", o)
	args = append(args, "--duration", fmt.Sprint(seconds))
	if !interactive {
		args = append(args, "--exit-on-clear")
	}
	p.run(t, append(args, dest), interactive)
	return p
}

func (p *h323Peer) run(t *testing.T, args []string, interactive bool) {
	t.Helper()
	log, err := os.Create(filepath.Join(p.dir, "peer.log"))
	if err != nil {
		t.Fatal(err)
	}
	p.log = log
	p.cmd = exec.Command(args[0], args[1:]...)
	p.cmd.Dir = p.dir
	p.cmd.Stdout, p.cmd.Stderr = log, log
	if interactive {
		if p.stdin, err = p.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.exitErr = p.cmd.Wait()
		log.Close()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
			return
		default:
		}
		if p.stdin != nil {
			_, _ = io.WriteString(p.stdin, "X\n") // exits cleanly, the WAV header written
		} else {
			_ = p.cmd.Process.Signal(os.Interrupt)
		}
		select {
		case <-p.exited:
		case <-time.After(5 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})
}

// waitListening waits until the peer accepts TCP on its port.
func (p *h323Peer) waitListening(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p.port), time.Second); err == nil {
			c.Close()
			return
		}
		select {
		case <-p.exited:
			t.Fatalf("%s exited before listening: %v\n%s", p.name, p.exitErr, p.logText())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("%s not listening on %d after 10 s\n%s", p.name, p.port, p.logText())
}

// sendLine types one line on an interactive peer's stdin.
func (p *h323Peer) sendLine(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		t.Fatalf("%s: typing %q: %v", p.name, line, err)
	}
}

// wait waits up to within for the peer to exit and returns its exit error.
func (p *h323Peer) wait(t *testing.T, within time.Duration) error {
	t.Helper()
	select {
	case <-p.exited:
		return p.exitErr
	case <-time.After(within):
		t.Fatalf("%s still running after %s\n%s", p.name, within, p.logText())
		return nil
	}
}

// waitLog waits up to within for the peer's log to contain s.
func (p *h323Peer) waitLog(t *testing.T, s string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !strings.Contains(p.logText(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %q in its log after %s:\n%s", p.name, s, within, p.logText())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// recording returns what the peer heard, 8 kHz mono.
func (p *h323Peer) recording(t *testing.T) ([]float64, int) {
	t.Helper()
	x, rate, err := readWAV(filepath.Join(p.dir, "heard.wav"))
	if err != nil {
		t.Fatalf("%s: its recording: %v\n%s", p.name, err, p.logText())
	}
	return x, rate
}

func (p *h323Peer) logText() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "peer.log"))
	return string(b)
}

// toneHeard measures the recording's seconds from..to: its strongest peak
// and the level of freq relative to the amplitude sent, in dB.
func toneHeard(t *testing.T, who string, x []float64, rate int, from, to float64, freq, sent float64) (peak, float64) {
	t.Helper()
	a, b := int(from*float64(rate)), int(to*float64(rate))
	if len(x) < b {
		t.Fatalf("%s's recording is %.1f s, want at least %.1f s", who, float64(len(x))/float64(rate), to)
	}
	spec := newSpectrum(x[a:b], rate)
	peaks := spec.peaks(100, float64(rate)/2-100)
	level := dB(spec.amplitude(freq) / sent)
	t.Logf("%s hears %s; %.0f Hz at %+.1f dB", who, fmtPeaks(peaks[:min(3, len(peaks))]), freq, level)
	if len(peaks) == 0 {
		return peak{}, math.Inf(-1)
	}
	return peaks[0], level
}

// TestH323PeerHarness checks the harness on its own: two H323Plus peers
// call each other on loopback (fast start), and each records the other's
// tone. When this fails, the H.323 tests' failures are the harness's.
func TestH323PeerHarness(t *testing.T) {
	listener := startH323Listener(t, h323PeerOptions{tone: 1000})
	caller := startH323Caller(t, h323PeerOptions{alias: "caller", tone: 440},
		fmt.Sprintf("roomsys@127.0.0.1:%d", listener.port), 4, false)
	if err := caller.wait(t, 30*time.Second); err != nil {
		t.Fatalf("the call did not connect: %v\n%s", err, caller.logText())
	}
	x, rate := caller.recording(t)
	if p, level := toneHeard(t, "the caller", x, rate, 1, 3, 1000, h323PeerToneAmplitude); math.Abs(p.freq-1000) > 10 || math.Abs(level) > 6 {
		t.Errorf("the caller does not hear the listener's 1000 Hz")
	}
	listener.waitLog(t, "Call end reason", 10*time.Second)
	x, rate = listener.recording(t)
	if p, level := toneHeard(t, "the listener", x, rate, 1, 3, 440, h323PeerToneAmplitude); math.Abs(p.freq-440) > 10 || math.Abs(level) > 6 {
		t.Errorf("the listener does not hear the caller's 440 Hz")
	}
}
