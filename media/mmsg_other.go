//go:build !linux

package media

import (
	"net"
	"net/netip"
)

// mmsg moves datagrams one per system call where recvmmsg(2) and
// sendmmsg(2) are missing; it has the API of the Linux one (mmsg_linux.go).
type mmsg struct {
	conn *net.UDPConn
	v6   bool
	bufs [][]byte
	from []netip.AddrPort
	out  [][]byte
	to   []netip.AddrPort
}

// newMMsg prepares batchSize datagram slots on conn.
func newMMsg(conn *net.UDPConn, batchSize int, reader bool) (*mmsg, error) {
	m := &mmsg{conn: conn, from: make([]netip.AddrPort, 1), out: make([][]byte, batchSize), to: make([]netip.AddrPort, batchSize)}
	if a, ok := conn.LocalAddr().(*net.UDPAddr); ok {
		m.v6 = a.IP.To4() == nil || a.IP.IsUnspecified()
	}
	if reader {
		m.bufs = [][]byte{make([]byte, MaxPacketSize)}
	}
	return m, nil
}

// read waits for one datagram.
func (m *mmsg) read() (int, error) {
	n, from, err := m.conn.ReadFromUDPAddrPort(m.bufs[0][:cap(m.bufs[0])])
	if err != nil {
		return 0, err
	}
	m.bufs[0], m.from[0] = m.bufs[0][:n], from
	return 1, nil
}

// datagram returns the i-th datagram of the last read and its source.
func (m *mmsg) datagram(i int) ([]byte, netip.AddrPort) { return m.bufs[i], m.from[i] }

// canSend reports whether the socket can send to to.
func (m *mmsg) canSend(to netip.AddrPort) bool { return m.v6 || to.Addr().Unmap().Is4() }

// set fills slot i of the next write.
func (m *mmsg) set(i int, b []byte, to netip.AddrPort) { m.out[i], m.to[i] = b, to }

// write sends slots 0 to n-1, one system call each.
func (m *mmsg) write(n int) (int, error) {
	for i := range n {
		if _, err := m.conn.WriteToUDPAddrPort(m.out[i], m.to[i]); err != nil {
			return i, err
		}
	}
	return n, nil
}
