package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/dialplan"
)

// TrunkAuth holds the digest credentials Parley answers a trunk's
// challenge with (RFC 3261 §22.2).
type TrunkAuth struct {
	// Username is the digest username; empty means the trunk needs none.
	Username string
	// Password is the digest password; never logged.
	Password string
	// SRTP is the SRTP mode of calls out through the trunk: required
	// offers RTP/SAVP (over TLS only). Empty: Options.SRTP.
	SRTP SRTPMode
}

var _ bridge.Dialer = (*Server)(nil)

// Dial places a call out (bridge.Dialer): to every registered device of an
// extension at once (the first to answer wins, the others get CANCEL), or
// to one URI through a trunk (with its digest credentials) or directly. It
// returns when the call is answered, has failed, or ctx ends (the ring
// timeout: the INVITE is then cancelled).
func (s *Server) Dial(ctx context.Context, out bridge.Outbound) (_ bridge.Leg, err error) {
	defer s.recoverErr("dial", &err)
	switch out.Route.Via {
	case dialplan.ViaExtension:
		ext := out.Route.Target.Number
		var bindings []Binding
		if s.registrar != nil {
			bindings = s.registrar.Contacts(ext)
		}
		if len(bindings) == 0 {
			return nil, &bridge.DialError{Status: bridge.DialNotFound, Reason: "extension " + ext + " has no registered device"}
		}
		return s.fork(ctx, out, bindings)
	case dialplan.ViaTrunk, dialplan.ViaDirect:
		uri, err := parseURI(out.Route.Destination)
		if err != nil {
			return nil, &bridge.DialError{Status: bridge.DialFailed, Reason: err.Error()}
		}
		// The INVITE goes to exactly the address the router checked, never
		// to a fresh lookup of the URI's host (DNS rebinding).
		if !out.Route.Addr.IsValid() {
			return nil, &bridge.DialError{Status: bridge.DialFailed, Reason: "the route carries no checked address"}
		}
		return s.invite(ctx, out, dialTarget{uri: uri, dest: out.Route.Addr.String()}, (*s.trunks.Load())[out.Route.Trunk])
	}
	return nil, &bridge.DialError{Status: bridge.DialFailed, Reason: "the SIP edge cannot dial via " + out.Route.Via}
}

// Registered reports whether extension ext has a device registered now
// (dialplan.Router.Registered), so that a call to one with none is refused
// before it is placed; false without a registrar. Safe for concurrent use.
func (s *Server) Registered(ext string) bool {
	return s.registrar != nil && len(s.registrar.Contacts(ext)) > 0
}

// dialTarget is where one INVITE goes: the Request-URI and the address to
// send it to instead of the URI's host (a phone behind NAT, or the address
// the router checked for a trunk or direct call).
type dialTarget struct {
	uri       gosip.Uri
	dest      string // host:port; empty sends to the URI
	transport string // empty takes the URI's transport parameter or udp
}

func parseURI(s string) (gosip.Uri, error) {
	var u gosip.Uri
	if err := gosip.ParseUri(s, &u); err != nil {
		return u, fmt.Errorf("bad destination %q: %w", s, err)
	}
	return u, nil
}

// fork rings every binding at once; the first 2xx wins and the others are
// cancelled (RFC 3261 §16.7 in spirit: Parley forks as a UAC).
func (s *Server) fork(ctx context.Context, out bridge.Outbound, bindings []Binding) (bridge.Leg, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		c   *call
		err error
	}
	results := make(chan result, len(bindings))
	for _, b := range bindings {
		t := dialTarget{uri: b.Contact, dest: b.Destination, transport: b.Transport}
		if out.ContactAddr != nil {
			// A device chose its own Contact: it may not lead to a trunk
			// or back to Parley, and is sent to the address checked.
			ap, err := out.ContactAddr(ctx, b.Destination)
			if err != nil {
				s.log.Warn("registered contact not rung", "extension", b.Extension, "destination", b.Destination, "err", err.Error())
				results <- result{nil, &bridge.DialError{Status: bridge.DialFailed, Reason: err.Error()}}
				continue
			}
			t.dest = ap.String()
		}
		go func() {
			var r result
			defer func() { results <- r }()
			defer s.recoverErr("dial branch", &r.err)
			r.c, r.err = s.invite(ctx, out, t, TrunkAuth{})
		}()
	}
	var winner *call
	var errs []error
	for range bindings {
		r := <-results
		switch {
		case r.err != nil:
			errs = append(errs, r.err)
		case winner == nil:
			winner = r.c
			cancel() // CANCEL the other branches
		default:
			r.c.Hangup("another device answered first")
		}
	}
	if winner != nil {
		return winner, nil
	}
	return nil, bestFailure(errs)
}

// bestFailure picks the failure to report of several forked branches: a
// busy or decline from a person beats a device that was not found.
func bestFailure(errs []error) error {
	rank := map[bridge.DialStatus]int{bridge.DialBusy: 5, bridge.DialDeclined: 4, bridge.DialNoAnswer: 3, bridge.DialNotFound: 2, bridge.DialFailed: 1}
	var best error
	bestRank := -1
	for _, err := range errs {
		var de *bridge.DialError
		r := 0
		if errors.As(err, &de) {
			r = rank[de.Status]
		}
		if r > bestRank {
			best, bestRank = err, r
		}
	}
	return best
}

// invite places one INVITE with Parley's offer and, once answered, starts
// the media and returns the call.
func (s *Server) invite(ctx context.Context, out bridge.Outbound, t dialTarget, auth TrunkAuth) (*call, error) {
	transport := t.transport
	if transport == "" {
		transport = "udp"
		if t.uri.UriParams != nil {
			if tp, ok := t.uri.UriParams.Get("transport"); ok {
				transport = strings.ToLower(tp)
			}
		}
	}
	sendTo := t.dest
	if sendTo == "" {
		sendTo = t.uri.HostPort()
	}
	local := s.localAddr(sendTo)
	port, err := s.newPort(nil, netip.Addr{})
	if err != nil {
		return nil, &bridge.DialError{Status: bridge.DialFailed, Reason: err.Error()}
	}
	log := s.log.With("room", out.Room.Number, "to", t.uri.String())
	// Video is offered to endpoints and extensions, which may be room
	// systems; never through a trunk, where no one has a camera.
	mode := s.outSRTP(auth)
	var vid *videoStream
	if out.Route.Via != dialplan.ViaTrunk && mode != SRTPRequired {
		if vid, err = s.bindVideo(false, log); err != nil {
			log.Warn("video not offered: no port", "err", err)
		}
	}
	calling := false // the call owns vid from then on
	defer func() {
		if vid != nil && !calling {
			vid.close()
		}
	}()
	vport := 0
	if vid != nil {
		vport = vid.Port()
	}
	sdpID := rand.Uint64N(1 << 62)
	offer, offered, err := s.offerOut(mode, transport, local, port.Number(), vport, sdpID)
	if err != nil {
		port.Close()
		return nil, &bridge.DialError{Status: bridge.DialFailed, Reason: err.Error()}
	}
	req := gosip.NewRequest(gosip.INVITE, t.uri)
	callIDHdr := gosip.CallIDHeader(gosip.GenerateTagN(24))
	req.AppendHeader(&callIDHdr)
	s.sendFromListener(req, transport, local)
	req.SetBody(offer)
	req.AppendHeader(gosip.NewHeader("Content-Type", "application/sdp"))
	req.SetTransport(strings.ToUpper(transport))
	if t.dest != "" {
		req.SetDestination(t.dest)
	}
	s.addIdentity(req, out, local)
	req.AppendHeader(gosip.NewHeader("Allow", s.allowed()))
	req.AppendHeader(gosip.NewHeader("Supported", "100rel, timer"))
	contact := s.contactFor(transport, local)
	ua := sipgo.DialogUA{Client: s.client, ContactHDR: *contact}
	log = log.With("call_id", callID(req))
	log.Info("calling out", "destination", sendTo, "transport", transport, "caller_id", out.Route.CallerID)

	dlg, err := ua.WriteInvite(ctx, req)
	if err != nil {
		port.Close()
		return nil, &bridge.DialError{Status: bridge.DialFailed, Reason: err.Error()}
	}
	s.countMessage(Message{Sent: true, Method: string(gosip.INVITE)})
	counts := outCount{s: s, password: auth.Password != ""}
	var early []byte // SDP of a 183 (early media), the answer if the 2xx has none
	err = dlg.WaitAnswer(ctx, sipgo.AnswerOptions{
		Username: auth.Username, Password: auth.Password,
		OnResponse: func(res *gosip.Response) error {
			counts.response(res)
			if !res.IsProvisional() || res.StatusCode == 100 {
				return nil
			}
			if len(res.Body()) > 0 {
				early = res.Body()
			}
			if requires(res, "100rel") {
				s.prack(ctx, dlg, res, log) // before more responses: the UAS waits for it
			}
			if out.OnProgress != nil {
				out.OnProgress(res.StatusCode)
			}
			return nil
		},
	})
	counts.ended(ctx, dlg, err)
	if err != nil {
		port.Close()
		dlg.Close()
		var de *sipgo.ErrDialogResponse
		if errors.As(err, &de) {
			return nil, dialErrorOf(de.Res)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &bridge.DialError{Status: bridge.DialFailed, Reason: err.Error()}
	}
	answer := dlg.InviteResponse.Body()
	if len(answer) == 0 {
		answer = early // the answer came in a reliable provisional (RFC 3262 §5)
	}
	neg, err := s.readAnswerOut(answer, offered)
	if err != nil {
		port.Close()
		_ = s.ack(context.Background(), dlg)
		_ = s.bye(context.Background(), dlg)
		return nil, &bridge.DialError{Status: bridge.DialFailed, Code: 200, Reason: "answer has no usable SDP: " + err.Error()}
	}
	if err := s.ack(ctx, dlg); err != nil {
		port.Close()
		return nil, &bridge.DialError{Status: bridge.DialFailed, Reason: "ack: " + err.Error()}
	}
	c := newCall(s, log, newDialogState(local, sdpID, nil, time.Now()))
	c.uac, c.id, c.srtp = dlg, dlg.ID, auth.SRTP
	peerIP := c.signallingIP() // whence the 2xx came: the media must come from there or the SDP's IP
	stream, err := s.openMedia(port, neg, peerIP, c.onDigit)
	if err != nil {
		_ = s.bye(context.Background(), dlg)
		return nil, &bridge.DialError{Status: bridge.DialFailed, Reason: err.Error()}
	}
	c.setMedia(stream)
	c.dlg.agree(neg, time.Now())
	if vid != nil && neg.Video != nil {
		vid.start(neg.Video, s.peerOf(neg.Video.Remote, peerIP))
		c.video.Store(vid)
		calling = true
	}
	if !s.addCall(c) {
		c.Hangup("server shutting down")
		c.release()
		return nil, bridge.ErrClosed
	}
	log.Info("call answered", "codec", neg.Format.String(), neg.writtenAttr(), "remote_rtp", neg.Remote.String(), "direction", "out",
		"video", neg.Video != nil && vid != nil, "srtp", neg.srtpSuite())
	s.runCall(c, nil)
	return c, nil
}

// addIdentity writes From and P-Asserted-Identity (RFC 3325 §9.1) with the
// route's caller ID and the room's name as display name.
func (s *Server) addIdentity(req *gosip.Request, out bridge.Outbound, local fmt.Stringer) {
	user := out.Route.CallerID
	if user == "" {
		user = out.Room.Number
	}
	host := s.opts.Domain
	if host == "" {
		host = local.String()
	}
	from := &gosip.FromHeader{DisplayName: out.Room.Name, Address: gosip.Uri{Scheme: "sip", User: user, Host: host}, Params: gosip.NewParams()}
	from.Params.Add("tag", gosip.GenerateTagN(16))
	req.AppendHeader(from)
	req.AppendHeader(gosip.NewHeader("P-Asserted-Identity", "<sip:"+user+"@"+host+">"))
}

// dialErrorOf classifies a final non-2xx response to an INVITE.
func dialErrorOf(res *gosip.Response) *bridge.DialError {
	code := res.StatusCode
	status := bridge.DialFailed
	switch {
	case code == 486 || code == 600:
		status = bridge.DialBusy
	case code == 603:
		status = bridge.DialDeclined
	case code == 404 || code == 604:
		status = bridge.DialNotFound
	case code == 408 || code == 480 || code == 487:
		status = bridge.DialNoAnswer
	}
	return &bridge.DialError{Status: status, Code: code, Reason: res.Reason}
}

// requires reports whether a response's Require header lists option.
func requires(res *gosip.Response, option string) bool {
	for _, h := range res.GetHeaders("Require") {
		for _, o := range strings.Split(h.Value(), ",") {
			if strings.EqualFold(strings.TrimSpace(o), option) {
				return true
			}
		}
	}
	return false
}

// prack acknowledges a reliable provisional response (RFC 3262 §7.2): a
// PRACK in the early dialog (sipgo builds it from the provisional's To tag
// and the dialog's next CSeq) carrying RAck: RSeq CSeq INVITE.
func (s *Server) prack(ctx context.Context, dlg *sipgo.DialogClientSession, res *gosip.Response, log *slog.Logger) {
	rseq := res.GetHeader("RSeq")
	if rseq == nil || res.CSeq() == nil {
		log.Info("reliable provisional without RSeq: no PRACK", "status", res.StatusCode)
		return
	}
	target := dlg.InviteRequest.Recipient
	if ct := res.Contact(); ct != nil {
		target = ct.Address
	}
	req := gosip.NewRequest(gosip.PRACK, target)
	req.AppendHeader(gosip.NewHeader("RAck", strings.TrimSpace(rseq.Value())+" "+itoa(int(res.CSeq().SeqNo))+" INVITE"))
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	pres, err := dlg.Do(pctx, req)
	s.countExchange(gosip.PRACK, pres)
	if err != nil {
		log.Info("PRACK failed", "err", err.Error())
		return
	}
	log.Info("PRACK answered", "status", pres.StatusCode)
}
