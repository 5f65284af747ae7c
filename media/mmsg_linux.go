//go:build linux

package media

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sockaddrSize is room for the larger socket address, sockaddr_in6.
const sockaddrSize = unix.SizeofSockaddrInet6

// mmsg moves up to batchSize datagrams per system call through recvmmsg(2)
// or sendmmsg(2) on a UDP socket, into or out of its own buffers, without
// allocating. (golang.org/x/net/ipv4's ReadBatch allocates a net.UDPAddr
// per datagram read, hence this.) One mmsg serves one direction and one
// goroutine.
type mmsg struct {
	rc    syscall.RawConn
	v6    bool // the socket is AF_INET6: IPv4 peers are written as mapped
	hs    []unix.Mmsghdr
	iovs  []unix.Iovec
	names [][sockaddrSize]byte
	bufs  [][]byte // the datagram buffers of a read; nil for a writer

	// The call in progress, for the function RawConn runs; fn is bound
	// once so that a call allocates no closure.
	n, vlen int
	errno   syscall.Errno
	trap    uintptr
	fn      func(fd uintptr) bool
}

// newMMsg prepares batchSize datagram slots on conn; reader slots get
// buffers of MaxPacketSize bytes.
func newMMsg(conn *net.UDPConn, batchSize int, reader bool) (*mmsg, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("media: raw socket: %w", err)
	}
	m := &mmsg{rc: rc, hs: make([]unix.Mmsghdr, batchSize), iovs: make([]unix.Iovec, batchSize),
		names: make([][sockaddrSize]byte, batchSize), trap: unix.SYS_SENDMMSG}
	var domain int
	var serr error
	if err := rc.Control(func(fd uintptr) { domain, serr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_DOMAIN) }); err != nil {
		return nil, fmt.Errorf("media: raw socket: %w", err)
	}
	if serr != nil {
		return nil, fmt.Errorf("media: socket domain: %w", serr)
	}
	m.v6 = domain == unix.AF_INET6
	if reader {
		m.trap = unix.SYS_RECVMMSG
		m.bufs = make([][]byte, batchSize)
		for i := range m.bufs {
			m.bufs[i] = make([]byte, MaxPacketSize)
		}
	}
	for i := range m.hs {
		m.hs[i].Hdr.Name = &m.names[i][0]
		m.hs[i].Hdr.Iov = &m.iovs[i]
		m.hs[i].Hdr.SetIovlen(1)
	}
	m.fn = m.call
	return m, nil
}

// call is the function RawConn runs: one system call over the first
// m.vlen slots; false (wait, then again) while the socket would block.
func (m *mmsg) call(fd uintptr) bool {
	n, _, errno := unix.Syscall6(m.trap, fd, uintptr(unsafe.Pointer(&m.hs[0])), uintptr(m.vlen), unix.MSG_DONTWAIT, 0, 0)
	if errno == unix.EAGAIN || errno == unix.EINTR {
		return false
	}
	m.n, m.errno = int(n), errno
	return true
}

// read waits for datagrams and reads as many as are queued, up to the
// batch size; datagram(i) returns each.
func (m *mmsg) read() (int, error) {
	for i := range m.hs {
		m.iovs[i].Base = &m.bufs[i][0]
		m.iovs[i].SetLen(len(m.bufs[i]))
		m.hs[i].Hdr.Namelen = sockaddrSize
		m.hs[i].Len = 0
	}
	m.vlen = len(m.hs)
	return m.do(m.rc.Read)
}

// datagram returns the i-th datagram of the last read and its source.
func (m *mmsg) datagram(i int) ([]byte, netip.AddrPort) {
	return m.bufs[i][:m.hs[i].Len], parseSockaddr(m.names[i][:m.hs[i].Hdr.Namelen])
}

// canSend reports whether the socket can send to to: an IPv4 socket
// cannot reach an IPv6 address.
func (m *mmsg) canSend(to netip.AddrPort) bool { return m.v6 || to.Addr().Unmap().Is4() }

// set fills slot i of the next write with b to to (which canSend allows);
// b must stay untouched until write returns.
func (m *mmsg) set(i int, b []byte, to netip.AddrPort) {
	m.iovs[i].Base = nil
	if len(b) > 0 {
		m.iovs[i].Base = &b[0]
	}
	m.iovs[i].SetLen(len(b))
	m.hs[i].Hdr.Namelen = uint32(putSockaddr(&m.names[i], to, m.v6))
}

// write sends slots 0 to n-1 and returns how many were sent: fewer than n
// when the first unsent one failed (its error is returned).
func (m *mmsg) write(n int) (int, error) {
	m.vlen = n
	return m.do(m.rc.Write)
}

// do runs one system call through the socket's poller.
func (m *mmsg) do(run func(func(uintptr) bool) error) (int, error) {
	m.n, m.errno = 0, 0
	if err := run(m.fn); err != nil {
		return 0, err
	}
	if m.errno != 0 {
		return 0, m.errno
	}
	return m.n, nil
}

// parseSockaddr reads a sockaddr_in or sockaddr_in6.
func parseSockaddr(b []byte) netip.AddrPort {
	if len(b) < 4 {
		return netip.AddrPort{}
	}
	port := binary.BigEndian.Uint16(b[2:4])
	switch binary.NativeEndian.Uint16(b[0:2]) {
	case unix.AF_INET:
		if len(b) >= unix.SizeofSockaddrInet4 {
			return netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[4:8])), port)
		}
	case unix.AF_INET6:
		if len(b) >= sockaddrSize {
			return netip.AddrPortFrom(netip.AddrFrom16([16]byte(b[8:24])), port)
		}
	}
	return netip.AddrPort{}
}

// putSockaddr writes to as a sockaddr_in, or as a sockaddr_in6 for an
// AF_INET6 socket (IPv4 mapped), and returns its length.
func putSockaddr(b *[sockaddrSize]byte, to netip.AddrPort, v6 bool) int {
	*b = [sockaddrSize]byte{}
	binary.BigEndian.PutUint16(b[2:4], to.Port())
	if !v6 {
		binary.NativeEndian.PutUint16(b[0:2], unix.AF_INET)
		a := to.Addr().Unmap().As4()
		copy(b[4:8], a[:])
		return unix.SizeofSockaddrInet4
	}
	binary.NativeEndian.PutUint16(b[0:2], unix.AF_INET6)
	a := to.Addr().As16()
	copy(b[8:24], a[:])
	return sockaddrSize
}
