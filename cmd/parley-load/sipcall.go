package main

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// The SIP side of the Parley legs: a user agent on one UDP port that
// places every call (INVITE with an SDP offer of PCMU, 200, ACK) and hangs
// it up (BYE), and answers what the bridge sends in a dialog.

// phone is the load generator's SIP user agent.
type phone struct {
	ua     *sipgo.UserAgent
	client *sipgo.Client
	dialog *sipgo.DialogUA
	conn   net.PacketConn
	byes   atomic.Int64 // BYEs the bridge sent: calls it ended
}

// newPhone listens for SIP on a UDP port of 127.0.0.1 and serves it until
// ctx ends.
func newPhone(ctx context.Context) (*phone, error) {
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("parley-load"))
	if err != nil {
		return nil, fmt.Errorf("sip user agent: %w", err)
	}
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		ua.Close()
		return nil, fmt.Errorf("sip socket: %w", err)
	}
	srv, err := sipgo.NewServer(ua)
	if err != nil {
		ua.Close()
		conn.Close()
		return nil, fmt.Errorf("sip server: %w", err)
	}
	addr := conn.LocalAddr().(*net.UDPAddr)
	client, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"))
	if err != nil {
		ua.Close()
		conn.Close()
		return nil, fmt.Errorf("sip client: %w", err)
	}
	p := &phone{ua: ua, client: client, conn: conn}
	p.dialog = &sipgo.DialogUA{Client: client, ContactHDR: sip.ContactHeader{
		Address: sip.Uri{Scheme: "sip", User: "load", Host: "127.0.0.1", Port: addr.Port}}}
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		p.byes.Add(1)
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusOK, "OK", nil))
	})
	srv.OnOptions(func(req *sip.Request, tx sip.ServerTransaction) {
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusOK, "OK", nil))
	})
	go func() { _ = srv.ServeUDP(conn) }()
	go func() {
		<-ctx.Done()
		conn.Close()
		ua.Close()
	}()
	return p, nil
}

// call is one SIP call placed by the phone.
type call struct {
	session *sipgo.DialogClientSession
	// setup is the time from sending the INVITE to receiving its 200.
	setup time.Duration
}

// dial calls user@target offering PCMU on rtpPort and returns the call,
// ACKed, with the bridge's RTP address from the answer.
func (p *phone) dial(ctx context.Context, target, user string, rtpPort int) (*call, *net.UDPAddr, error) {
	host, port, err := net.SplitHostPort(target)
	if err != nil {
		return nil, nil, fmt.Errorf("sip target %q: %w", target, err)
	}
	pn, _ := strconv.Atoi(port)
	offer := fmt.Sprintf("v=0\r\no=load %d 1 IN IP4 127.0.0.1\r\ns=load\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n", rtpPort, rtpPort)
	sent := time.Now()
	s, err := p.dialog.Invite(ctx, sip.Uri{Scheme: "sip", User: user, Host: host, Port: pn}, []byte(offer),
		sip.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		return nil, nil, fmt.Errorf("INVITE: %w", err)
	}
	if err := s.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		s.Close()
		return nil, nil, fmt.Errorf("INVITE: %w", err)
	}
	setup := time.Since(sent)
	if err := s.Ack(ctx); err != nil {
		s.Close()
		return nil, nil, fmt.Errorf("ACK: %w", err)
	}
	c := &call{session: s, setup: setup}
	media, err := answerAddr(s.InviteResponse.Body())
	if err != nil {
		c.hangup(ctx)
		return nil, nil, err
	}
	return c, media, nil
}

// hangup sends BYE and forgets the dialog.
func (c *call) hangup(ctx context.Context) error {
	defer c.session.Close()
	if err := c.session.Bye(ctx); err != nil {
		return fmt.Errorf("BYE: %w", err)
	}
	return nil
}

// answerAddr reads the RTP address of an SDP answer: its c= address and
// the port of its audio m= line, which must keep PCMU.
func answerAddr(sdp []byte) (*net.UDPAddr, error) {
	var ip net.IP
	port := 0
	for _, line := range strings.Split(string(sdp), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "c=IN IP4 "):
			ip = net.ParseIP(strings.TrimPrefix(line, "c=IN IP4 "))
		case strings.HasPrefix(line, "m=audio "):
			f := strings.Fields(line)
			if len(f) < 4 || f[3] != "0" {
				return nil, fmt.Errorf("the answer does not keep PCMU: %q", line)
			}
			port, _ = strconv.Atoi(f[1])
		}
	}
	if ip == nil || port <= 0 {
		return nil, fmt.Errorf("no RTP address in the answer:\n%s", sdp)
	}
	return &net.UDPAddr{IP: ip, Port: port}, nil
}
