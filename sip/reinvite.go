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
// 491 (glare, §14.2), one after the call has ended 481 (§12.2.2).
func (c *call) onReinvite(req *gosip.Request, tx gosip.ServerTransaction) {
	if err := c.dlg.begin(); err != nil {
		code, reason := statusOf(err)
		respond(tx, req, code, reason)
		return
	}
	defer c.dlg.finish()
	if c.uas != nil {
		if err := c.uas.ReadRequest(req, tx); err != nil {
			respond(tx, req, gosip.StatusInternalServerError, err.Error())
			return
		}
	}
	body, code, reason := c.renegotiate(req.Body(), secureTransport(req))
	if code != gosip.StatusOK {
		respond(tx, req, code, reason)
		return
	}
	res := gosip.NewSDPResponseFromRequest(req, body)
	res.AppendHeader(c.server.contact(req))
	c.dlg.timer.addHeaders(res)
	if err := tx.Respond(res); err != nil {
		c.log.Debug("re-INVITE response failed", "err", err)
		return
	}
	c.dlg.refreshed(time.Now())
	// The ACK to a re-INVITE's 2xx goes to onAck; no state waits on it.
}

// onUpdate handles UPDATE (RFC 3311): a session refresh, with or without a
// new offer.
func (c *call) onUpdate(req *gosip.Request, tx gosip.ServerTransaction) {
	var res *gosip.Response
	if len(req.Body()) > 0 {
		if err := c.dlg.begin(); err != nil {
			code, reason := statusOf(err)
			respond(tx, req, code, reason)
			return
		}
		defer c.dlg.finish()
		body, code, reason := c.renegotiate(req.Body(), secureTransport(req))
		if code != gosip.StatusOK {
			respond(tx, req, code, reason)
			return
		}
		res = gosip.NewSDPResponseFromRequest(req, body)
	} else {
		res = gosip.NewResponseFromRequest(req, gosip.StatusOK, "OK", nil)
	}
	c.dlg.timer.addHeaders(res)
	if err := tx.Respond(res); err != nil {
		c.log.Debug("UPDATE response failed", "err", err)
		return
	}
	c.dlg.refreshed(time.Now())
}

// renegotiate answers a new offer in the dialog and applies it; an empty
// offer gets our current session as the offer. It returns the SDP to send
// and the status (200, or the refusal); secure says the offer came over TLS.
// The caller has begun the exchange
// (dialog.begin).
func (c *call) renegotiate(offer []byte, secure bool) ([]byte, int, string) {
	m := c.media.Load()
	if len(offer) == 0 {
		body, err := c.dlg.offer(m.LocalPort(), c.videoPort())
		if err != nil {
			return nil, gosip.StatusInternalServerError, err.Error()
		}
		return body, gosip.StatusOK, "OK"
	}
	neg, err := c.negotiate(offer, secure)
	if err != nil {
		code, reason := statusOf(err)
		c.log.Info("re-INVITE refused", "status", code, "reason", err.Error())
		return nil, code, reason
	}
	port := m.LocalPort()
	newStream, newRemote := c.dlg.reoffer(neg)
	newStream = newStream || c.srtpChanged(m, neg)
	if !newStream && neg.SRTP != nil {
		if err := c.rekey(m, neg); err != nil {
			return nil, gosip.StatusNotAcceptableHere, "Not Acceptable Here"
		}
	}
	switch {
	case newStream:
		// A codec change: new media on a new port, taken into the mix anew.
		p, err := c.server.newPort(neg, c.signallingIP())
		if err != nil {
			return nil, gosip.StatusServiceUnavailable, "Service Unavailable"
		}
		stream, err := c.server.openMedia(p, neg, c.signallingIP(), c.onDigit)
		if err != nil {
			return nil, gosip.StatusNotAcceptableHere, "Not Acceptable Here"
		}
		if !c.dlg.install(func() { c.setMedia(stream) }) {
			stream.Close() // a BYE came meanwhile: the call's release has the old media
			code, reason := statusOf(errDialogEnded)
			return nil, code, reason
		}
		if part := c.participant.Load(); part != nil {
			if err := part.MediaChanged(); err != nil {
				c.log.Warn("media change not taken by the mixer", "err", err)
			}
		}
		m.Close()
		c.mediaEnded(m)
		port = stream.LocalPort()
		c.log.Info("codec changed", "codec", neg.Format.String(), neg.writtenAttr())
	case newRemote:
		// A new address, not c=0.0.0.0 (the hold of RFC 3264 §8.4): media
		// must come from it (or the signalling IP) before anything is sent
		// there (media.Latch).
		m.Session().SetRemote(c.server.peerOf(neg.Remote, netip.Addr{}).SDP)
		m.Session().SetRTCPRemote(c.server.peerOf(neg.RTCP, netip.Addr{}).SDP)
	}
	if v := c.video.Load(); v != nil {
		if neg.Video != nil {
			v.apply(neg.Video, c.server.peerOf(neg.Video.Remote, netip.Addr{}).SDP)
		} else {
			v.decline() // m=video 0: no video either way (RFC 3264 §8.2)
		}
	}
	c.log.Info("session updated", "direction", string(neg.Direction), "remote_rtp", neg.Remote.String())
	body, err := c.dlg.answer(neg, port, c.videoPort(), time.Now())
	if err != nil {
		return nil, gosip.StatusInternalServerError, err.Error()
	}
	return body, gosip.StatusOK, "OK"
}

// refreshSession refreshes the session as its refresher (RFC 4028 §10):
// an UPDATE without SDP. A refresh that fails with 481 or 408 ends the call;
// 491 (glare) is retried on the next period.
func (c *call) refreshSession() {
	defer c.server.recoverCall(c, "session refresh")
	if c.dlg.begin() != nil {
		return // ours waits for the next period: an exchange is in progress, or the call is over
	}
	defer c.dlg.finish()
	ctx, cancel := context.WithTimeout(context.Background(), 32*time.Second)
	defer cancel()
	req := gosip.NewRequest(gosip.UPDATE, c.remoteTarget())
	// We send the refresh, so in this transaction we are the UAC and stay
	// the refresher (RFC 4028 §7.4: the roles are the transaction's).
	req.AppendHeader(gosip.NewHeader("Session-Expires", itoa(int(c.dlg.timer.interval/time.Second))+";refresher=uac"))
	req.AppendHeader(gosip.NewHeader("Supported", "timer"))
	var res *gosip.Response
	var err error
	if c.uas != nil {
		res, err = c.uas.Do(ctx, req)
	} else {
		res, err = c.uac.Do(ctx, req)
	}
	c.server.countExchange(gosip.UPDATE, res)
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
