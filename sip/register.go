package sip

import (
	"errors"
	"net/netip"
	"strings"

	gosip "github.com/emiago/sipgo/sip"

	"github.com/parleyhq/parley/guard"
	"github.com/parleyhq/parley/sip/digest"
)

// HandleRegister processes one REGISTER as RFC 3261 §10.3 describes and
// answers it on tx. It is a sipgo RequestHandler: register it with
// Server.OnRegister. It never blocks on the network beyond tx.Respond.
//
// Answers: 401 with SHA-256 and MD5 challenges (RFC 8760 §2.4) without
// credentials, or with credentials that fail for any reason other than a
// stale nonce (identical for an unknown extension and a wrong password);
// 401 with stale=true for a stale nonce; 403 when the authenticated user is
// not the To user, or with credentials while the Guard slows or bans the
// source (nothing verified, no log line: the guard logs); 400 for
// a malformed request or Contact; 416 for a non-SIP Contact; 420 for any
// Require (RFC 3261 §10.3 step 2: no extensions are supported); 423 with
// Min-Expires; 500 when the Call-ID/CSeq ordering rule of §10.3 step 7
// aborts the update (the RFC says only "the request fails"; we answer 500
// as §10.3 step 6 does for a failed commit, and no binding changes; a
// retransmission never gets here, the transaction layer absorbs it);
// else 200 listing every current
// binding with its expires parameter and a Date header (§10.3 step 8).
//
// The Request-URI's domain is not checked (§10.3 step 1): Parley is the
// registrar for whatever name reaches it.
func (r *Registrar) HandleRegister(req *gosip.Request, tx gosip.ServerTransaction) {
	res := r.register(req)
	if err := tx.Respond(res); err != nil {
		r.log.Debug("register response failed", "source", req.Source(), "err", err)
	}
}

// register returns the response to req.
func (r *Registrar) register(req *gosip.Request) *gosip.Response {
	now := r.now()
	source := req.Source()
	to, callID, cseq := req.To(), req.CallID(), req.CSeq()
	if to == nil || to.Address.User == "" || callID == nil || cseq == nil || req.Via() == nil {
		return r.response(req, gosip.StatusBadRequest, "Missing To user, Call-ID, CSeq or Via")
	}
	ext := to.Address.User
	log := r.log.With("extension", ext, "source", source)
	srcIP := guard.SourceOf(source)

	if reqs := req.GetHeaders("Require"); len(reqs) > 0 {
		res := r.response(req, gosip.StatusBadExtension, "Bad Extension")
		for _, h := range reqs {
			res.AppendHeader(gosip.NewHeader("Unsupported", h.Value()))
		}
		return res
	}

	// RFC 3261 §10.3 step 3 and 4: authenticate, then check that the
	// authenticated user may register this address-of-record.
	creds := r.credentials(req)
	if creds == "" {
		log.Debug("register challenged", "reason", "no credentials")
		return r.challenge(req, false)
	}
	// Only tries with credentials are guarded: a challenge guesses nothing,
	// and a phone's first REGISTER must not use up its slot.
	key := digestUsername(creds)
	if wait, banned := r.guard.Check(srcIP, key); banned || wait > 0 {
		return r.response(req, gosip.StatusForbidden, "Forbidden")
	}
	known := false
	user, err := r.auth.Verify(string(req.Method), creds, func(u string) (string, bool) {
		e, ok := (*r.exts.Load())[u]
		known = ok
		return e.Password, ok
	})
	switch {
	case err == nil:
	case errors.Is(err, digest.ErrStale):
		log.Info("register challenged", "reason", "stale nonce", "username", user)
		return r.challenge(req, true)
	case errors.Is(err, digest.ErrMalformed):
		r.guard.Fail(srcIP, key) // counted, so that a flood of them is soon refused unlogged
		log.Warn("register auth failed", "reason", err.Error())
		return r.response(req, gosip.StatusBadRequest, "Malformed Authorization")
	case errors.Is(err, digest.ErrUnsupported):
		r.guard.Fail(srcIP, key)
		log.Warn("register auth failed", "reason", err.Error())
		return r.challenge(req, false)
	default:
		reason := err.Error()
		if err == digest.ErrUnauthorized { // Verify's own unwrapped value: the password check
			reason = "wrong password"
			if !known {
				reason = "unknown extension"
			}
		}
		r.guard.Fail(srcIP, key)
		log.Warn("register auth failed", "reason", reason, "username", digestUsername(creds))
		return r.challenge(req, false)
	}
	r.guard.Succeed(srcIP, key)
	if user != ext {
		log.Warn("register refused", "reason", "authenticated as another extension", "username", user)
		return r.response(req, gosip.StatusForbidden, "Forbidden")
	}
	return r.update(req, log, ext, callID.Value(), cseq.SeqNo, now)
}

// credentials returns the Authorization header value to verify: the one for
// our realm if there are several (RFC 3261 §22.4), else the first.
func (r *Registrar) credentials(req *gosip.Request) string {
	hs := req.GetHeaders("Authorization")
	for _, h := range hs {
		if _, p, err := digest.ParseParams(h.Value()); err == nil && p["realm"] == r.auth.Realm() {
			return h.Value()
		}
	}
	if len(hs) > 0 {
		return hs[0].Value()
	}
	return ""
}

// digestUsername returns the username parameter of creds for logging, or "".
func digestUsername(creds string) string {
	if _, p, err := digest.ParseParams(creds); err == nil {
		return p["username"]
	}
	return ""
}

// challenge answers 401 with one WWW-Authenticate per algorithm, strongest
// first (RFC 3261 §22.1, RFC 8760 §2.4), stale=true if stale (RFC 7616
// §3.3).
func (r *Registrar) challenge(req *gosip.Request, stale bool) *gosip.Response {
	res := r.response(req, gosip.StatusUnauthorized, "Unauthorized")
	chs := r.auth.Challenges()
	if stale {
		chs = r.auth.StaleChallenges()
	}
	for _, c := range chs {
		res.AppendHeader(gosip.NewHeader("WWW-Authenticate", c))
	}
	return res
}

// response builds a response to req. sipgo fills received and rport in the
// top Via when the request asked for rport (RFC 3581 §4); this adds
// received when the sent-by host is not the source IP and rport was not
// asked for (RFC 3261 §18.2.1).
func (r *Registrar) response(req *gosip.Request, code int, reason string) *gosip.Response {
	res := gosip.NewResponseFromRequest(req, code, reason, nil)
	if via := res.Via(); via != nil && !via.Params.Has("received") {
		if ip := guard.SourceOf(req.Source()); ip.IsValid() {
			if h, err := netip.ParseAddr(strings.Trim(via.Host, "[]")); err != nil || h.Unmap() != ip {
				via.Params.Add("received", ip.String())
			}
		}
	}
	return res
}
