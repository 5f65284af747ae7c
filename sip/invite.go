package sip

import (
	"context"
	"errors"
	"math/rand/v2"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"

	"github.com/parleyhq/parley/bridge"
)

// errNoSDP refuses an INVITE without an offer; late offer comes with the
// SIP issue (offer in 200, answer in ACK).
var errNoSDP = errors.New("invite without sdp offer")

// statusOf maps an error refusing a call to its SIP status and reason
// phrase, in one place (RFC 3261 §21).
func statusOf(err error) (int, string) {
	switch {
	case errors.Is(err, bridge.ErrUnknownRoom):
		return gosip.StatusNotFound, "Not Found"
	case errors.Is(err, ErrNoCommonCodec), errors.Is(err, errNoSDP):
		return gosip.StatusNotAcceptableHere, "Not Acceptable Here"
	case errors.Is(err, ErrBadSDP):
		return gosip.StatusBadRequest, "Bad Request"
	case errors.Is(err, bridge.ErrClosed):
		return gosip.StatusServiceUnavailable, "Service Unavailable"
	}
	return gosip.StatusInternalServerError, "Server Internal Error"
}

// onInvite answers a new call into a room: it finds the room from the
// request URI's user part, negotiates the audio, answers 200 with SDP and,
// once ACKed, admits the call into the room. Runs on sipgo's per-request
// goroutine; the call then lives on its own goroutine.
func (s *Server) onInvite(req *gosip.Request, tx gosip.ServerTransaction) {
	if c := s.callFor(req); c != nil {
		// A re-INVITE: hold, resume and codec change come with the SIP issue;
		// until then keep the session as it is.
		respond(tx, req, gosip.StatusNotAcceptableHere, "Not Acceptable Here")
		return
	}
	log := s.log.With("call_id", callID(req), "from", req.From().Address.String(), "room", req.Recipient.User)
	refuse := func(err error) {
		code, reason := statusOf(err)
		log.Info("call refused", "status", code, "reason", err.Error())
		respond(tx, req, code, reason)
	}
	room, err := s.bridge.Room(req.Recipient.User)
	if err != nil {
		refuse(err)
		return
	}
	body := req.Body()
	if len(body) == 0 {
		refuse(errNoSDP)
		return
	}
	neg, err := Negotiate(body)
	if err != nil {
		refuse(err)
		return
	}
	local := s.localAddr(req.Source())
	stream, err := s.openMedia(neg, func(d rune) { log.Debug("dtmf", "digit", string(d)) })
	if err != nil {
		refuse(err)
		return
	}
	answer, err := neg.Answer(local, stream.LocalPort(), rand.Uint64N(1<<62))
	if err != nil {
		stream.Close()
		refuse(err)
		return
	}
	ua := sipgo.DialogUA{Client: s.client, ContactHDR: *s.contact(req)}
	dialog, err := ua.ReadInvite(req, tx)
	if err != nil {
		stream.Close()
		refuse(err)
		return
	}
	c := &call{callStream: stream, server: s, dialog: dialog, log: log, ended: make(chan struct{})}
	if !s.addCall(dialog.ID, c) {
		stream.Close()
		refuse(bridge.ErrClosed)
		return
	}
	res := gosip.NewSDPResponseFromRequest(dialog.InviteRequest, answer)
	res.AppendHeader(s.contact(req))
	if err := dialog.WriteResponse(res); err != nil {
		// No ACK came (or the caller cancelled): RFC 3261 §13.3.1.4 says end it.
		log.Info("call failed after answer", "reason", err.Error())
		c.Hangup("no ack")
		s.runCall(c, nil)
		return
	}
	p, err := room.Join(c, bridge.JoinOptions{Name: callerName(req), Via: "sip"})
	if err != nil {
		c.Hangup(err.Error())
		s.runCall(c, nil)
		return
	}
	log.Info("call answered", "codec", neg.Format.String(), "remote_rtp", neg.Remote.String(), "participant", p.ID)
	s.runCall(c, p)
}

func (s *Server) addCall(id string, c *call) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.calls[id] = c
	s.wg.Add(1)
	return true
}

func (s *Server) removeCall(c *call) {
	s.mu.Lock()
	delete(s.calls, c.dialog.ID)
	s.mu.Unlock()
}

// runCall starts the goroutine that watches a call until it ends.
func (s *Server) runCall(c *call, p *bridge.Participant) {
	go func() {
		defer s.wg.Done()
		c.watch(context.Background(), p)
	}()
}

func callID(req *gosip.Request) string {
	if h := req.CallID(); h != nil {
		return h.Value()
	}
	return ""
}

// callerName is the From display name, else its user part.
func callerName(req *gosip.Request) string {
	from := req.From()
	if from == nil {
		return ""
	}
	if from.DisplayName != "" {
		return from.DisplayName
	}
	return from.Address.User
}
