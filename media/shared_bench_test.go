package media

import (
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// BenchmarkRTPLegs is one 20 ms tick of n G.711 legs over real loopback
// sockets: every phone sends the bridge one packet, the bridge's sessions
// receive them all, then the bridge sends every leg one packet. An op is
// one tick; ns/pair is per packet received and sent. Phones are plain
// sockets (one sendto each per tick, never read), the same in both modes,
// so the difference between per_leg (a socket and reader goroutine per
// leg: PortRange) and shared (SharedPorts, batched) is the bridge's. Run
// it with -cpu 1, as the bridge runs pinned; cpu-ns/pair is the process's
// CPU time (getrusage), which other load on the machine does not inflate.
// phones_only is the phones' part alone: they send to ports nobody reads,
// and the bridge does nothing.
func BenchmarkRTPLegs(b *testing.B) {
	for _, n := range []int{50, 500} {
		for _, mode := range []string{"phones_only", "per_leg", "shared"} {
			b.Run(fmt.Sprintf("mode=%s/legs=%d", mode, n), func(b *testing.B) { benchLegs(b, mode, n) })
		}
	}
}

func benchLegs(b *testing.B, mode string, n int) {
	r, err := NewPortRange(20000, 29998)
	if err != nil {
		b.Fatal(err)
	}
	var shared *SharedPorts
	if mode == "shared" {
		if shared, err = NewSharedPorts(r, localhost, 1); err != nil {
			b.Fatal(err)
		}
		defer shared.Close()
	}
	var got, want atomic.Int64
	tick := make(chan struct{}, 1)
	handler := func(*rtp.Packet) {
		if got.Add(1) == want.Load() {
			tick <- struct{}{}
		}
	}
	phones := make([]*net.UDPConn, n)
	sessions := make([]*Session, n)
	to := make([]netip.AddrPort, n)
	for i := range n {
		phone, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			b.Fatal(err)
		}
		defer phone.Close()
		phones[i] = phone
		var conn UDPConn
		if shared != nil {
			conn, err = shared.Leg()
		} else {
			conn, err = r.Listen(localhost)
		}
		if err != nil {
			b.Fatal(err)
		}
		if mode == "phones_only" {
			defer conn.Close()
			to[i] = conn.LocalAddr().(*net.UDPAddr).AddrPort()
			continue
		}
		s, err := NewSession(conn, Peer{SDP: addrOf(phone), Signalling: localhost}, handler)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		if err := s.Start(); err != nil {
			b.Fatal(err)
		}
		sessions[i], to[i] = s, s.LocalAddr()
	}
	in := make([][]byte, n)
	for i := range n {
		in[i], _ = (&rtp.Packet{Header: rtp.Header{Version: 2, SSRC: uint32(i + 1)}, Payload: make([]byte, 160)}).Marshal()
	}
	out := &rtp.Packet{Payload: make([]byte, 160)}
	timeout := time.NewTimer(time.Hour)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime(b)
	for b.Loop() {
		want.Add(int64(n))
		for i, phone := range phones {
			in[i][3]++ // the sequence number's low byte
			if _, err := phone.WriteToUDPAddrPort(in[i], to[i]); err != nil {
				b.Fatal(err)
			}
		}
		if mode == "phones_only" {
			continue
		}
		timeout.Reset(5 * time.Second)
		select {
		case <-tick:
		case <-timeout.C:
			b.Fatalf("%d of %d packets arrived: the kernel dropped some", got.Load(), want.Load())
		}
		out.SequenceNumber++
		for _, s := range sessions {
			if err := s.WriteRTP(out); err != nil {
				if shared != nil {
					b.Logf("%+v", shared.Stats())
				}
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/pair")
	b.ReportMetric(float64((cpuTime(b)-cpu0).Nanoseconds())/float64(b.N*n), "cpu-ns/pair")
	b.StopTimer() // the deferred closes are no part of a tick
}

// cpuTime is the CPU time the process has used, user and system: unlike
// the wall time, it does not grow when other processes take the CPU.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
