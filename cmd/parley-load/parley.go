package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// Parley under test: `parley serve` on a config written for the run.

// roomBase is the number of the first room; room i is roomBase+i.
const roomBase = 7000

// parleyConfig is a parley.yaml with the given rooms, no PINs, no
// announcements, PCMU only, the log at warn, and every listener on
// 127.0.0.1: SIP on sipPort, HTTP (and /metrics) on httpPort, RTP on
// rtpPorts, shared of them shared by the legs (rtp.shared_ports).
func parleyConfig(dir string, rooms, sipPort, httpPort int, rtpPorts string, legs, shared int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `sip:
  listen: [udp://127.0.0.1:%d]
  max_unacked_per_source: %d
rtp:
  ports: %s
  srtp: off
  shared_ports: %d
http:
  listen: 127.0.0.1:%d
webrtc:
  udp_port: 0
  listen_ip: 127.0.0.1
h323:
  listen: "" # no H.323 dial-in: its default port, 1720, is not the run's own
store:
  path: %s
log:
  level: warn
media:
  rtp_timeout: 30s
prompts:
  announce_join_leave: false
codecs: [PCMU]
admin_tokens: [%s]
shutdown:
  grace: 0s
rooms:
`, sipPort, max(legs, 10), rtpPorts, shared, httpPort, filepath.Join(dir, "parley.db"), loadAdminToken)
	for i := range rooms {
		fmt.Fprintf(&b, "  - {number: \"%d\", name: Load %d, pin: \"\", guest_access: true, guest_role: attendee}\n", roomBase+i, i)
	}
	return b.String()
}

// parleyBridge is a running `parley serve` and the phone that calls it.
type parleyBridge struct {
	p       *proc
	sipAddr string
	httpURL string
	phone   *phone
	guests  *guests // browser legs' joins
}

// startParley writes the config into dir and starts bin serve on core
// with GOMAXPROCS=1; it returns once /readyz answers 200.
func startParley(ctx context.Context, bin, dir string, core, rooms, legs, rtpBase, shared int) (*parleyBridge, error) {
	sipPort, err := freePort("udp")
	if err != nil {
		return nil, err
	}
	httpPort, err := freePort("tcp")
	if err != nil {
		return nil, err
	}
	rtpPorts := fmt.Sprintf("%d-%d", rtpBase, rtpBase+2*legs+100)
	path := filepath.Join(dir, "parley.yaml")
	if err := os.WriteFile(path, []byte(parleyConfig(dir, rooms, sipPort, httpPort, rtpPorts, legs, shared)), 0o600); err != nil {
		return nil, fmt.Errorf("parley config: %w", err)
	}
	return runParley(ctx, bin, dir, path, core, sipPort, httpPort)
}

// runParley starts bin serve on the config at path, on core with
// GOMAXPROCS=1; it returns once /readyz answers 200.
func runParley(ctx context.Context, bin, dir, path string, core, sipPort, httpPort int) (*parleyBridge, error) {
	p, err := startPinned(dir, "parley", core, []string{"GOMAXPROCS=1"}, bin, "serve", "--config", path)
	if err != nil {
		return nil, err
	}
	b := &parleyBridge{p: p, sipAddr: fmt.Sprintf("127.0.0.1:%d", sipPort), httpURL: fmt.Sprintf("http://127.0.0.1:%d", httpPort)}
	err = p.waitFor(defaultReadyTimeout, func() error {
		res, err := http.Get(b.httpURL + "/readyz")
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("/readyz: %s", res.Status)
		}
		return nil
	})
	if err != nil {
		p.stop()
		return nil, fmt.Errorf("parley: %w; see %s", err, filepath.Join(dir, "parley.log"))
	}
	if b.phone, err = newPhone(ctx); err != nil {
		p.stop()
		return nil, err
	}
	if b.guests, err = newGuests(b.httpURL); err != nil {
		p.stop()
		return nil, err
	}
	return b, nil
}

func (b *parleyBridge) name() string { return "Parley" }
func (b *parleyBridge) pid() int     { return b.p.pid() }

// join calls room's number and points the leg's RTP at the answer.
func (b *parleyBridge) join(ctx context.Context, l *leg, room int) (func(context.Context) error, error) {
	if l.browser {
		return b.joinBrowser(ctx, l, room)
	}
	c, media, err := b.phone.dial(ctx, b.sipAddr, fmt.Sprint(roomBase+room), l.port())
	if err != nil {
		return nil, err
	}
	l.remote = media
	return c.hangup, nil
}

// ticks scrapes the mixer's tick statistics.
func (b *parleyBridge) ticks() (tickSnapshot, bool, error) {
	s, err := scrapeTicks(b.httpURL + "/metrics")
	return s, true, err
}

// ended is how many calls the bridge hung up itself.
func (b *parleyBridge) ended() int { return int(b.phone.byes.Load()) }

func (b *parleyBridge) stop() error { return b.p.stop() }
