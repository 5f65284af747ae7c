package e2e

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// Capturing RTP on loopback with dumpcap and reading the libpcap file it
// writes, for the tests that check what parley sends.

// dialogCapture is a dumpcap capture of one UDP port on loopback.
type dialogCapture struct {
	cmd     *exec.Cmd
	path    string
	done    chan error // cmd.Wait's result, once stderr is drained
	stopped bool       // stop has taken done
}

// startDialogCapture captures UDP to and from port on lo; it returns once
// dumpcap captures.
func startDialogCapture(t *testing.T, port int) *dialogCapture {
	t.Helper()
	return startCapture(t, fmt.Sprintf("udp port %d", port))
}

// startCapture captures the packets on lo that the capture filter
// selects; it returns once dumpcap captures.
func startCapture(t *testing.T, filter string) *dialogCapture {
	t.Helper()
	if _, err := exec.LookPath("dumpcap"); err != nil {
		t.Fatal("dumpcap is not installed; run `make test`, which installs it (package tshark)")
	}
	c := &dialogCapture{path: filepath.Join(t.TempDir(), "rtp.pcap"), done: make(chan error, 1)}
	c.cmd = exec.Command("dumpcap", "-i", "lo", "-f", filter, "-P", "-w", c.path)
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	var text strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		once := false
		for sc.Scan() {
			text.WriteString(sc.Text() + "\n")
			if !once && strings.HasPrefix(sc.Text(), "Capturing on") {
				once = true
				close(ready)
			}
		}
		c.done <- c.cmd.Wait()
	}()
	t.Cleanup(func() {
		if !c.stopped {
			_ = c.cmd.Process.Kill()
			<-c.done
		}
	})
	select {
	case <-ready:
	case err := <-c.done:
		c.stopped = true
		t.Fatalf("dumpcap exited before capturing (%v): %s", err, text.String())
	case <-time.After(10 * time.Second):
		t.Fatal("dumpcap not capturing after 10 s")
	}
	return c
}

// stop ends the capture and returns the RTP packets captured.
func (c *dialogCapture) stop(t *testing.T) []dialogPacket {
	t.Helper()
	c.stopped = true
	_ = c.cmd.Process.Signal(os.Interrupt)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
		t.Fatal("dumpcap did not stop within 10 s of SIGINT")
	}
	b, err := os.ReadFile(c.path)
	if err != nil {
		t.Fatal(err)
	}
	packets, err := dialogParsePcap(b)
	if err != nil {
		t.Fatal(err)
	}
	return packets
}

// dialogPacket is one captured RTP packet.
type dialogPacket struct {
	at       time.Time
	src, dst int   // UDP ports
	pt       uint8 // RTP payload type
	payload  []byte
}

// dialogParsePcap reads the RTP packets over IPv4 and UDP of a libpcap file
// captured on Linux loopback (link type Ethernet or Linux cooked).
func dialogParsePcap(b []byte) ([]dialogPacket, error) {
	if len(b) < 24 {
		return nil, errors.New("pcap: short file")
	}
	var bo binary.ByteOrder = binary.LittleEndian
	nano := false
	switch binary.LittleEndian.Uint32(b) {
	case 0xa1b2c3d4:
	case 0xa1b23c4d:
		nano = true
	default:
		bo = binary.BigEndian
		switch bo.Uint32(b) {
		case 0xa1b2c3d4:
		case 0xa1b23c4d:
			nano = true
		default:
			return nil, errors.New("pcap: not a libpcap file")
		}
	}
	var link int
	switch lt := bo.Uint32(b[20:]); lt {
	case 1: // Ethernet
		link = 14
	case 113: // Linux cooked
		link = 16
	case 276: // Linux cooked v2
		link = 20
	default:
		return nil, fmt.Errorf("pcap: link type %d", lt)
	}
	var out []dialogPacket
	for off := 24; off+16 <= len(b); {
		sec, frac := int64(bo.Uint32(b[off:])), int64(bo.Uint32(b[off+4:]))
		n := int(bo.Uint32(b[off+8:]))
		if off+16+n > len(b) {
			break
		}
		data := b[off+16 : off+16+n]
		off += 16 + n
		if !nano {
			frac *= 1000
		}
		if len(data) < link+20 || data[link]>>4 != 4 || data[link+9] != 17 {
			continue
		}
		ip := data[link:]
		udp := ip[int(ip[0]&0x0f)*4:]
		if len(udp) < 8+12 {
			continue
		}
		rtp := udp[8:]
		if rtp[0]>>6 != 2 {
			continue
		}
		hdr := 12 + 4*int(rtp[0]&0x0f)
		if rtp[0]&0x10 != 0 && len(rtp) >= hdr+4 {
			hdr += 4 + 4*int(binary.BigEndian.Uint16(rtp[hdr+2:]))
		}
		if len(rtp) < hdr {
			continue
		}
		out = append(out, dialogPacket{
			at:  time.Unix(sec, frac),
			src: int(binary.BigEndian.Uint16(udp)), dst: int(binary.BigEndian.Uint16(udp[2:])),
			pt: rtp[1] & 0x7f, payload: rtp[hdr:],
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out, nil
}

// dialogToPort keeps the packets sent to port.
func dialogToPort(ps []dialogPacket, port int) []dialogPacket {
	var out []dialogPacket
	for _, p := range ps {
		if p.dst == port {
			out = append(out, p)
		}
	}
	return out
}

// dialogBetween keeps the packets captured between from and to.
func dialogBetween(ps []dialogPacket, from, to time.Time) []dialogPacket {
	var out []dialogPacket
	for _, p := range ps {
		if !p.at.Before(from) && p.at.Before(to) {
			out = append(out, p)
		}
	}
	return out
}
