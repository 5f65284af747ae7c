package sip

import (
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/guard"
	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/prompts"
)

// refuseWithPrompt turns a caller away with a final status after a prompt
// played as early media (a 183 with our SDP answer, RFC 3261 §13.3.1.1),
// so the caller hears why: "the conference is full". An INVITE without an
// offer gets the status alone.
func (s *Server) refuseWithPrompt(req *gosip.Request, tx gosip.ServerTransaction, neg *Negotiation, id string, code int, reason string, log *slog.Logger) {
	log.Info("call refused", "status", code, "reason", id)
	s.countIn(code)
	ua := sipgo.DialogUA{Client: s.client, ContactHDR: *s.contact(req)}
	dialog, err := ua.ReadInvite(req, tx)
	if err != nil {
		respond(tx, req, code, reason)
		return
	}
	defer dialog.Close()
	if neg != nil {
		if port, err := s.newPort(neg, guard.SourceOf(req.Source())); err == nil {
			local := s.localAddr(req.Source())
			sdpID := rand.Uint64N(1 << 62)
			body, err := neg.Answer(local, port.Number(), 0, sdpID, sdpID)
			stream, serr := s.openMedia(port, neg, guard.SourceOf(req.Source()), func(rune) {})
			if err == nil && serr == nil {
				c := newCall(s, log, newDialogState(local, sdpID, nil, time.Now()))
				c.setMedia(stream)
				progress := gosip.NewSDPResponseFromRequest(dialog.InviteRequest, body)
				progress.StatusCode, progress.Reason = gosip.StatusSessionInProgress, "Session Progress"
				if dialog.WriteResponse(progress) == nil {
					s.flow.Line(c, log).Play(15*time.Second, id) // a prompt is never that long
				}
				stream.Close()
			} else if serr == nil {
				stream.Close()
			}
		}
	}
	_ = dialog.Respond(code, reason, nil)
}

// errNoAnswerSDP ends a late-offer call whose ACK brought no usable answer.
var errNoAnswerSDP = errors.New("ack without sdp answer to our offer")

// statusOf maps an error refusing a call to its SIP status and reason
// phrase, in one place (RFC 3261 §21).
func statusOf(err error) (int, string) {
	switch {
	case errors.Is(err, bridge.ErrUnknownRoom):
		return gosip.StatusNotFound, "Not Found"
	case errors.Is(err, ErrNoCommonCodec), errors.Is(err, ErrRefusedAddress), errors.Is(err, ErrSRTPRefused):
		return gosip.StatusNotAcceptableHere, "Not Acceptable Here"
	case errors.Is(err, ErrBadSDP):
		return gosip.StatusBadRequest, "Bad Request"
	case errors.Is(err, errIntervalTooSmall):
		return 422, "Session Interval Too Small"
	case errors.Is(err, errGlare):
		return gosip.StatusRequestPending, "Request Pending"
	case errors.Is(err, errDialogEnded):
		return gosip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist"
	case errors.Is(err, bridge.ErrClosed), errors.Is(err, bridge.ErrDraining), errors.Is(err, media.ErrNoFreePort),
		errors.Is(err, errTooManyUnacked):
		return gosip.StatusServiceUnavailable, "Service Unavailable"
	}
	return gosip.StatusInternalServerError, "Server Internal Error"
}

// onInvite answers a new call into a room, or hands a re-INVITE to its
// call; one with a To tag that matches no call gets 481. For a new call it finds the room from the request URI's user part,
// negotiates the audio (or offers it, when the INVITE has no SDP: late
// offer, RFC 3261 §13.2.1), answers 200 and, once ACKed, runs the call on
// its own goroutine: PIN prompt, then the room. Runs on sipgo's
// per-request goroutine.
func (s *Server) onInvite(req *gosip.Request, tx gosip.ServerTransaction) {
	if c := s.callFor(req); c != nil {
		c.onReinvite(req, tx)
		return
	}
	if tag, _ := req.To().Params.Get("tag"); tag != "" {
		// A re-INVITE of a dialog that has ended (or never was) is not a
		// new call (RFC 3261 §12.2.2).
		s.countIn(gosip.StatusCallTransactionDoesNotExists)
		respond(tx, req, gosip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
		return
	}
	log := s.log.With("call_id", callID(req), "from", req.From().Address.String(), "room", req.Recipient.User)
	refuse := func(err error, extra ...gosip.Header) {
		code, reason := statusOf(err)
		log.Info("call refused", "status", code, "reason", err.Error())
		s.countIn(code)
		res := gosip.NewResponseFromRequest(req, code, reason, nil)
		for _, h := range extra {
			res.AppendHeader(h)
		}
		_ = tx.Respond(res)
	}
	if s.bridge.Draining() { // the process stops: come back to the next one
		refuse(bridge.ErrDraining, drainRetryAfter())
		return
	}
	room, err := s.bridge.Room(req.Recipient.User)
	if err != nil {
		refuse(err)
		return
	}
	routed, ok := s.route(req, tx, room.Number(), log)
	if !ok {
		return
	}
	defer func() { // until the call holds it
		if routed != nil {
			routed()
		}
	}()
	timer, err := negotiateTimer(req, s.minSE())
	if err != nil {
		refuse(err, gosip.NewHeader("Min-SE", itoa(s.minSE())))
		return
	}
	var neg *Negotiation
	if body := req.Body(); len(body) > 0 {
		if neg, err = s.negotiateIn(body, secureTransport(req)); err != nil {
			refuse(err)
			return
		}
	} else if err := s.lateOfferSRTP(); err != nil {
		refuse(err)
		return
	}
	peerIP := guard.SourceOf(req.Source())
	release, err := s.unacked.take(peerIP) // until the ACK (pending.go)
	if err != nil {
		// A flood: logged once per 10 s with a count, not once per INVITE.
		code, reason := statusOf(err)
		s.refusals.Info("call refused", "status", code, "reason", errTooManyUnacked.Error(),
			"source", peerIP.String(), "call_id", callID(req))
		s.countIn(code)
		res := gosip.NewResponseFromRequest(req, code, reason, nil)
		res.AppendHeader(s.retryAfter())
		_ = tx.Respond(res)
		return
	}
	defer release()
	if room.Full() {
		s.refuseWithPrompt(req, tx, neg, prompts.RoomFull, gosip.StatusBusyHere, "Busy Here", log)
		return
	}
	local := s.localAddr(req.Source())
	port, err := s.newPort(neg, peerIP)
	if err != nil {
		refuse(err)
		return
	}
	var vid *videoStream
	if neg != nil && neg.Video != nil {
		if vid, err = s.openVideo(neg.Video, peerIP, log); err != nil {
			log.Warn("video refused: no port", "err", err) // the call goes on without
		}
	}
	dropVideo := func() { // on the ways out before the call owns it
		if vid != nil {
			vid.close()
		}
	}
	sdpID := rand.Uint64N(1 << 62)
	var body []byte
	if neg != nil {
		vport := 0
		if vid != nil {
			vport = vid.Port()
		}
		body, err = neg.Answer(local, port.Number(), vport, sdpID, sdpID)
	} else {
		body, err = s.opts.Codecs.Offer(local, port.Number(), 0, sdpID, sdpID)
	}
	if err != nil {
		port.Close()
		dropVideo()
		refuse(err)
		return
	}
	ua := sipgo.DialogUA{Client: s.client, ContactHDR: *s.contact(req)}
	dialog, err := ua.ReadInvite(req, tx)
	if err != nil {
		port.Close()
		dropVideo()
		refuse(err)
		return
	}
	c := newCall(s, log, newDialogState(local, sdpID, timer, time.Now()))
	c.uas, c.id = dialog, dialog.ID
	if s.registrar != nil {
		c.callerExt, _ = s.registrar.CallerExtension(req)
	}
	if !s.addCall(c) {
		port.Close()
		dropVideo()
		refuse(bridge.ErrClosed)
		return
	}
	c.routed, routed = routed, nil // the call's goroutine says when it is over
	if vid != nil {
		c.video.Store(vid) // released with the call
	}
	res := gosip.NewSDPResponseFromRequest(dialog.InviteRequest, body)
	res.AppendHeader(s.contact(req))
	timer.addHeaders(res)
	err = s.answer(dialog, tx, res, func() { port.Close(); dropVideo(); release() })
	if err == nil {
		s.countIn(gosip.StatusOK)
	}
	if err != nil {
		// No ACK came (or the caller cancelled): RFC 3261 §13.3.1.4 says end it.
		port.Close()
		log.Info("call failed after answer", "reason", err.Error())
		c.Hangup("no ack")
		s.runCall(c, nil)
		return
	}
	if neg == nil { // late offer: the answer came in the ACK
		if neg, err = c.dlg.lateAnswer(s.opts.Codecs); err != nil {
			port.Close()
			log.Info("call failed after answer", "reason", errNoAnswerSDP.Error()+": "+err.Error())
			c.Hangup("no sdp answer in ack")
			s.runCall(c, nil)
			return
		}
	}
	stream, err := s.openMedia(port, neg, peerIP, c.onDigit)
	if err != nil {
		log.Info("call failed after answer", "reason", err.Error())
		c.Hangup("media failed")
		s.runCall(c, nil)
		return
	}
	c.setMedia(stream)
	c.dlg.agree(neg, time.Now())
	log.Info("call answered", "codec", neg.Format.String(), neg.writtenAttr(), "remote_rtp", neg.Remote.String(), "late_offer", len(req.Body()) == 0,
		"video", vid != nil, "srtp", neg.srtpSuite())
	s.runCall(c, room)
}

func (s *Server) addCall(c *call) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.calls[c.id] = c
	s.wg.Add(1)
	return true
}

func (s *Server) removeCall(c *call) {
	s.mu.Lock()
	delete(s.calls, c.id)
	s.mu.Unlock()
}

// runCall starts the goroutine that carries a call until it ends: for a
// call in, room is where it goes (after the PIN); a call out (room nil) is
// joined by the bridge.
func (s *Server) runCall(c *call, room *bridge.Room) {
	go func() {
		defer s.wg.Done()
		if c.routed != nil {
			defer c.routed() // after the release
		}
		defer c.release()
		defer s.recoverCall(c, "call")
		c.run(room)
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
