package sip

import (
	"context"
	"net/netip"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// onReinvite handles an INVITE within the call's dialog (RFC 3261 §14.2):
// hold and resume (the direction answered per RFC 3264 §8.4), a new remote
// address, a codec change, a session refresh. An INVITE without SDP gets
// our current session as an offer. A re-INVITE while ours is pending gets
// 491 (glare, §14.2).
func (c *call) onReinvite(req *gosip.Request, tx gosip.ServerTransaction) {
	if !c.beginUpdate() {
		respond(tx, req, gosip.StatusRequestPending, "Request Pending")
		return
	}
	defer c.endUpdate()
	if c.uas != nil {
		if err := c.uas.ReadRequest(req, tx); err != nil {
			respond(tx, req, gosip.StatusInternalServerError, err.Error())
			return
		}
	}
	body, code, reason := c.renegotiate(req.Body())
	if code != gosip.StatusOK {
		respond(tx, req, code, reason)
		return
	}
	res := gosip.NewSDPResponseFromRequest(req, body)
	res.AppendHeader(c.server.contact(req))
	c.addTimerHeaders(res)
	if err := tx.Respond(res); err != nil {
		c.log.Debug("re-INVITE response failed", "err", err)
		return
	}
	c.noteRefresh()
	// The ACK to a re-INVITE's 2xx goes to onAck; no state waits on it.
}

// onUpdate handles UPDATE (RFC 3311): a session refresh, with or without a
// new offer.
func (c *call) onUpdate(req *gosip.Request, tx gosip.ServerTransaction) {
	if len(req.Body()) > 0 && !c.beginUpdate() {
		respond(tx, req, gosip.StatusRequestPending, "Request Pending")
		return
	}
	var res *gosip.Response
	if len(req.Body()) > 0 {
		defer c.endUpdate()
		body, code, reason := c.renegotiate(req.Body())
		if code != gosip.StatusOK {
			respond(tx, req, code, reason)
			return
		}
		res = gosip.NewSDPResponseFromRequest(req, body)
	} else {
		res = gosip.NewResponseFromRequest(req, gosip.StatusOK, "OK", nil)
	}
	c.addTimerHeaders(res)
	if err := tx.Respond(res); err != nil {
		c.log.Debug("UPDATE response failed", "err", err)
		return
	}
	c.noteRefresh()
}

// renegotiate answers a new offer in the dialog and applies it; an empty
// offer gets our current session as the offer. It returns the SDP to send
// and the status (200, or the refusal).
func (c *call) renegotiate(offer []byte) ([]byte, int, string) {
	m := c.media.Load()
	if len(offer) == 0 {
		body, err := c.currentOffer()
		if err != nil {
			return nil, gosip.StatusInternalServerError, err.Error()
		}
		return body, gosip.StatusOK, "OK"
	}
	neg, err := Negotiate(offer)
	if err != nil {
		code, reason := statusOf(err)
		c.log.Info("re-INVITE refused", "status", code, "reason", err.Error())
		return nil, code, reason
	}
	port := m.LocalPort()
	if !neg.Format.Is(m.Format()) || neg.PayloadType != m.neg.PayloadType || neg.EventPayloadType != m.neg.EventPayloadType {
		// A codec change: new media on a new port, taken into the mix anew.
		p, err := c.server.newPort()
		if err != nil {
			return nil, gosip.StatusServiceUnavailable, "Service Unavailable"
		}
		stream, err := c.server.openMedia(p, neg, c.signallingIP(), c.onDigit)
		if err != nil {
			return nil, gosip.StatusNotAcceptableHere, "Not Acceptable Here"
		}
		c.setMedia(stream)
		if part := c.participant.Load(); part != nil {
			if err := part.MediaChanged(); err != nil {
				c.log.Warn("media change not taken by the mixer", "err", err)
			}
		}
		m.Close()
		if f := c.server.opts.OnMediaEnded; f != nil {
			f(rtpStatsOf(m))
		}
		port = stream.LocalPort()
		c.log.Info("codec changed", "codec", neg.Format.String())
	} else if neg.Remote != m.neg.Remote && !neg.Remote.Addr().IsUnspecified() {
		// A new address, not c=0.0.0.0 (the hold of RFC 3264 §8.4): media
		// must come from it (or the signalling IP) before anything is sent
		// there (media.Latch).
		m.Session().SetRemote(c.server.peerOf(neg.Remote, netip.Addr{}).SDP)
	}
	c.setDirection(neg.Direction)
	if v := c.video.Load(); v != nil && neg.Video != nil {
		v.apply(neg.Video, c.server.peerOf(neg.Video.Remote, netip.Addr{}).SDP)
	}
	c.log.Info("session updated", "direction", string(neg.Direction), "remote_rtp", neg.Remote.String())
	c.media.Load().neg = neg
	body, err := neg.Answer(c.local, port, c.videoPort(), c.sdpID, c.nextVersion())
	if err != nil {
		return nil, gosip.StatusInternalServerError, err.Error()
	}
	return body, gosip.StatusOK, "OK"
}

// currentOffer describes the session as it stands, as an offer for a
// re-INVITE that brought none (RFC 3261 §14.2).
func (c *call) currentOffer() ([]byte, error) {
	m := c.media.Load()
	return m.neg.Answer(c.local, m.LocalPort(), c.videoPort(), c.sdpID, c.nextVersion())
}

// nextVersion returns the o= version for a new SDP of ours.
func (c *call) nextVersion() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sdpVersion++
	return c.sdpVersion
}

// beginUpdate marks an offer/answer exchange in progress; false if one
// already is (glare).
func (c *call) beginUpdate() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.updating {
		return false
	}
	c.updating = true
	return true
}

func (c *call) endUpdate() {
	c.mu.Lock()
	c.updating = false
	c.mu.Unlock()
}

// noteRefresh tells the call's goroutine that the session was refreshed.
func (c *call) noteRefresh() {
	select {
	case c.refreshed <- struct{}{}:
	default:
	}
}

// addTimerHeaders repeats the session timer in a refresh's 2xx.
func (c *call) addTimerHeaders(res *gosip.Response) {
	c.timer.addHeaders(res)
}

// refreshSession refreshes the session as its refresher (RFC 4028 §10):
// an UPDATE without SDP. A refresh that fails with 481 or 408 ends the call;
// 491 (glare) is retried on the next period.
func (c *call) refreshSession() {
	defer c.server.recoverCall(c, "session refresh")
	if !c.beginUpdate() {
		return
	}
	defer c.endUpdate()
	ctx, cancel := context.WithTimeout(context.Background(), 32*time.Second)
	defer cancel()
	req := gosip.NewRequest(gosip.UPDATE, c.remoteTarget())
	// We send the refresh, so in this transaction we are the UAC and stay
	// the refresher (RFC 4028 §7.4: the roles are the transaction's).
	req.AppendHeader(gosip.NewHeader("Session-Expires", itoa(int(c.timer.interval/time.Second))+";refresher=uac"))
	req.AppendHeader(gosip.NewHeader("Supported", "timer"))
	var res *gosip.Response
	var err error
	if c.uas != nil {
		res, err = c.uas.Do(ctx, req)
	} else {
		res, err = c.uac.Do(ctx, req)
	}
	switch {
	case err != nil:
		c.log.Info("session refresh failed", "err", err.Error())
		c.Hangup("session refresh failed")
	case res.StatusCode == gosip.StatusCallTransactionDoesNotExists || res.StatusCode == gosip.StatusRequestTimeout:
		c.Hangup("session refresh refused: " + res.StartLine())
	case res.IsSuccess():
		c.log.Debug("session refreshed")
	default:
		c.log.Info("session refresh not accepted", "status", res.StatusCode)
	}
}

// remoteTarget is the peer's Contact: where in-dialog requests go.
func (c *call) remoteTarget() gosip.Uri {
	if c.uas != nil {
		return c.uas.InviteRequest.Contact().Address
	}
	if ct := c.uac.InviteResponse.Contact(); ct != nil {
		return ct.Address
	}
	return c.uac.InviteRequest.Recipient
}
