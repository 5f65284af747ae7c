package sip

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// supportedOptions are the option tags Parley implements as a UAS, for
// Supported and for judging Require (RFC 3261 §8.2.2.3): the session timer
// (RFC 4028). Parley sends PRACK for reliable provisionals as a UAC only,
// so an INVITE that requires 100rel (RFC 3262) is refused.
const supportedOptions = "timer"

// sipVersion is the one protocol version Parley speaks (RFC 3261 §7.1).
const sipVersion = "SIP/2.0"

// refusal is how a request that fails validation is answered.
type refusal struct {
	code    int
	reason  string
	headers []gosip.Header
}

// guarded wraps a sipgo handler with what every request goes through
// before Parley acts on it: a recover that fails only this transaction
// (recover.go), then validateRequest; a request it refuses is answered
// here (an ACK is dropped: it is never answered, RFC 3261 §17.2.3) and h
// is not called. A multipart INVITE, UPDATE or ACK reaches h with its SDP
// part as the body.
func (s *Server) guarded(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *gosip.Request, tx gosip.ServerTransaction) {
		atx := s.countedTx(req, tx)
		defer s.recoverRequest(req, atx)
		if r := validateRequest(req); r != nil {
			s.refuseRequest(req, atx, r)
			return
		}
		if req.IsInvite() || req.IsAck() || req.Method == gosip.UPDATE {
			if sdp, ok := multipartSDP(req); ok {
				req = withSDPBody(req, sdp)
			}
		}
		h(req, atx)
	}
}

// routes maps each method Parley takes to its guarded handler; REGISTER
// only with a registrar. Any other method goes to the guarded
// onOtherMethod.
func (s *Server) routes() map[gosip.RequestMethod]sipgo.RequestHandler {
	r := map[gosip.RequestMethod]sipgo.RequestHandler{
		gosip.INVITE:  s.guarded(s.onInvite),
		gosip.ACK:     s.guarded(s.onAck),
		gosip.BYE:     s.guarded(s.onBye),
		gosip.CANCEL:  s.guarded(s.onCancel),
		gosip.OPTIONS: s.guarded(s.onOptions),
		gosip.UPDATE:  s.guarded(s.onUpdate),
		gosip.INFO:    s.guarded(s.onInfo),
	}
	if s.registrar != nil {
		r[gosip.REGISTER] = s.guarded(s.onRegister)
	}
	return r
}

// refuseRequest answers req with r and logs why at info level, at most
// one line per reason every sipgoLogEvery (a flood of bad requests does not
// flood the log; the next line counts those left out).
func (s *Server) refuseRequest(req *gosip.Request, tx gosip.ServerTransaction, r *refusal) {
	s.refusals.Info("sip request refused", "method", string(req.Method), "status", r.code, "reason", r.reason,
		"call_id", callID(req), "source", req.Source())
	if req.IsAck() {
		return
	}
	if req.IsInvite() {
		s.countIn(r.code)
	}
	res := gosip.NewResponseFromRequest(req, r.code, r.reason, nil)
	res.SipVersion = sipVersion // even to a request in another version (§8.2.6.1)
	for _, h := range r.headers {
		res.AppendHeader(h)
	}
	_ = tx.Respond(res)
}

// validateRequest checks what RFC 3261 §8.2 asks of a UAS before it acts
// on a request, in its order, and returns how to refuse it, or nil:
//
//   - 505 for a version other than SIP/2.0 (§8.2.6.1 via §21.5.26);
//   - 400 naming the header for a missing or repeated Via, From, To,
//     Call-ID, CSeq or Max-Forwards (§8.1.1), a CSeq whose method is not
//     the request's (§8.2, RFC 4475 §3.1.2.15), an INVITE without Contact
//     (§8.1.1.8) or with a non-SIP one, Max-Forwards over 255 (§20.22);
//   - 483 for Max-Forwards 0, except OPTIONS, which Parley answers itself
//     (§11, §16.3 step 3);
//   - 416 for a Request-URI that is not sip: or sips: (§8.2.2.1), 400 for
//     a From or To that is not sip:, sips: or tel: (RFC 4475 §3.3.3);
//   - 400 for a Request-URI with headers (§19.1.5), two Content-Lengths,
//     a Date not in GMT (§20.17);
//   - 406 for an INVITE whose Accept leaves out application/sdp, the type
//     of every answer Parley gives (§21.4.7, RFC 4475 §3.3.15);
//   - 420 with Unsupported for a Require that lists an option Parley does
//     not support (§8.2.2.3; ACK and CANCEL are exempt);
//   - for an INVITE, UPDATE or ACK with a body: 400 without Content-Type
//     (§20.15), 415 with Accept for a type other than application/sdp or
//     a multipart with an application/sdp part, 415 with Accept-Encoding
//     for a Content-Encoding other than identity (§8.2.3).
func validateRequest(req *gosip.Request) *refusal {
	if !strings.EqualFold(req.SipVersion, sipVersion) {
		return &refusal{code: gosip.StatusVersionNotSupported, reason: "Version Not Supported"}
	}
	for _, h := range []struct{ name, compact string }{
		{"Via", "v"}, {"From", "f"}, {"To", "t"}, {"Call-ID", "i"}, {"CSeq", ""}, {"Max-Forwards", ""},
	} {
		switch countHeader(req, h.name, h.compact) {
		case 0:
			return badRequest("Missing " + h.name + " header")
		case 1:
		default:
			if h.name != "Via" {
				return badRequest("Multiple " + h.name + " headers")
			}
		}
	}
	if req.From() == nil || req.To() == nil || req.CallID() == nil || req.CSeq() == nil || req.Via() == nil {
		return badRequest("Malformed mandatory header")
	}
	// sipgo upper-cases the request method, so the case is not compared.
	if !strings.EqualFold(string(req.CSeq().MethodName), string(req.Method)) {
		return badRequest("CSeq method does not match the request method")
	}
	mf := req.MaxForwards()
	if mf == nil || uint32(*mf) > 255 {
		return badRequest("Invalid Max-Forwards header")
	}
	if *mf == 0 && req.Method != gosip.OPTIONS {
		return &refusal{code: gosip.StatusTooManyHops, reason: "Too Many Hops"}
	}
	if !isSIPScheme(req.Recipient.Scheme) {
		return &refusal{code: 416, reason: "Unsupported URI Scheme"} // sipgo names 416 after HTTP
	}
	if req.Recipient.Headers != nil && req.Recipient.Headers.Length() > 0 {
		return badRequest("Request-URI with headers") // §19.1.5, RFC 4475 §3.1.2.11
	}
	if countHeader(req, "Content-Length", "l") > 1 {
		return badRequest("Multiple Content-Length headers")
	}
	if d := req.GetHeader("Date"); d != nil {
		if _, err := time.Parse(sipDate, d.Value()); err != nil {
			return badRequest("Invalid Date header") // §20.17: GMT only, RFC 4475 §3.1.2.13
		}
	}
	for name, uri := range map[string]gosip.Uri{"From": req.From().Address, "To": req.To().Address} {
		if !isSIPScheme(uri.Scheme) && !strings.EqualFold(uri.Scheme, "tel") {
			return badRequest("Unsupported URI scheme in " + name + " header")
		}
	}
	if req.IsInvite() {
		switch n := countHeader(req, "Contact", "m"); {
		case n == 0:
			return badRequest("Missing Contact header")
		case n > 1:
			return badRequest("Multiple Contact headers")
		case req.Contact() == nil || !isSIPScheme(req.Contact().Address.Scheme):
			return badRequest("Invalid Contact header")
		}
	}
	if req.IsInvite() && !acceptsSDP(req) {
		return &refusal{code: gosip.StatusNotAcceptable, reason: "Not Acceptable"}
	}
	if !req.IsAck() && !req.IsCancel() {
		if tags := unsupportedOptions(req); len(tags) > 0 {
			return &refusal{code: gosip.StatusBadExtension, reason: "Bad Extension",
				headers: []gosip.Header{gosip.NewHeader("Unsupported", strings.Join(tags, ", "))}}
		}
	}
	switch req.Method {
	case gosip.INVITE, gosip.UPDATE, gosip.ACK:
		return validateSDPBody(req)
	}
	return nil
}

// sipDate is the one form of the Date header (RFC 3261 §20.17).
const sipDate = "Mon, 02 Jan 2006 15:04:05 GMT"

// acceptsSDP reports whether req's Accept headers, if any, take
// application/sdp (§20.1: none means application/sdp).
func acceptsSDP(req *gosip.Request) bool {
	accepts := req.GetHeaders("Accept")
	if len(accepts) == 0 {
		return true
	}
	for _, h := range accepts {
		for _, r := range strings.Split(h.Value(), ",") {
			mt, _, _ := strings.Cut(r, ";")
			switch strings.ToLower(strings.TrimSpace(mt)) {
			case "application/sdp", "application/*", "*/*":
				return true
			}
		}
	}
	return false
}

func badRequest(reason string) *refusal {
	return &refusal{code: gosip.StatusBadRequest, reason: reason}
}

// countHeader counts the headers called name or its compact form
// (RFC 3261 §7.3.3), case-insensitively.
func countHeader(req *gosip.Request, name, compact string) int {
	n := 0
	for _, h := range req.Headers() {
		if strings.EqualFold(h.Name(), name) || (compact != "" && strings.EqualFold(h.Name(), compact)) {
			n++
		}
	}
	return n
}

func isSIPScheme(scheme string) bool {
	return strings.EqualFold(scheme, "sip") || strings.EqualFold(scheme, "sips")
}

// unsupportedOptions returns the option tags of req's Require headers that
// Parley does not support, in order.
func unsupportedOptions(req *gosip.Request) []string {
	var out []string
	for _, h := range req.GetHeaders("Require") {
		for _, tag := range strings.Split(h.Value(), ",") {
			tag = strings.TrimSpace(tag)
			if tag != "" && !strings.EqualFold(tag, supportedOptions) {
				out = append(out, tag)
			}
		}
	}
	return out
}

// validateSDPBody checks the body of a request that carries an offer or
// answer (§8.2.3): Parley takes application/sdp, alone or as a part of a
// multipart body (RFC 5621), and no content coding.
func validateSDPBody(req *gosip.Request) *refusal {
	if len(req.Body()) == 0 {
		return nil
	}
	for _, h := range append(req.GetHeaders("Content-Encoding"), req.GetHeaders("e")...) {
		if v := strings.TrimSpace(h.Value()); v != "" && !strings.EqualFold(v, "identity") {
			return &refusal{code: gosip.StatusUnsupportedMediaType, reason: "Unsupported Media Type",
				headers: []gosip.Header{gosip.NewHeader("Accept-Encoding", "identity")}}
		}
	}
	ct := req.ContentType()
	if ct == nil {
		return badRequest("Missing Content-Type header")
	}
	if isSDPType(ct.Value()) {
		return nil
	}
	if _, ok := multipartSDP(req); ok {
		return nil
	}
	return &refusal{code: gosip.StatusUnsupportedMediaType, reason: "Unsupported Media Type",
		headers: []gosip.Header{gosip.NewHeader("Accept", "application/sdp")}}
}

func isSDPType(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/sdp"
}

// maxParts bounds the parts of a multipart body that are looked at.
const maxParts = 8

// multipartSDP returns the first application/sdp part of a multipart body
// (RFC 5621 §3), and whether there is one.
func multipartSDP(req *gosip.Request) ([]byte, bool) {
	ct := req.ContentType()
	if ct == nil || len(req.Body()) == 0 {
		return nil, false
	}
	mt, params, err := mime.ParseMediaType(ct.Value())
	if err != nil || !strings.HasPrefix(mt, "multipart/") || params["boundary"] == "" {
		return nil, false
	}
	r := multipart.NewReader(bytes.NewReader(req.Body()), params["boundary"])
	for range maxParts {
		p, err := r.NextRawPart()
		if err != nil {
			return nil, false
		}
		if isSDPType(p.Header.Get("Content-Type")) {
			body, err := io.ReadAll(io.LimitReader(p, int64(len(req.Body()))))
			if err != nil || len(body) == 0 {
				return nil, false
			}
			return body, true
		}
	}
	return nil, false
}

// withSDPBody returns a copy of req whose body is sdp, as application/sdp.
// The original stays as it is: its transaction still reads it.
func withSDPBody(req *gosip.Request, sdp []byte) *gosip.Request {
	out := req.Clone()
	out.RemoveHeader("Content-Type")
	ct := gosip.ContentTypeHeader("application/sdp")
	out.AppendHeader(&ct)
	out.SetBody(sdp)
	return out
}

// onCancel answers a CANCEL that matches no pending INVITE with 481
// (RFC 3261 §9.2). sipgo itself answers a CANCEL that matches one: 200 to
// the CANCEL, then 487 to the INVITE, which ends the call being set up.
func (s *Server) onCancel(req *gosip.Request, tx gosip.ServerTransaction) {
	respond(tx, req, gosip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
}

// knownMethod reports whether m is a method of SIP or a SIP extension
// that Parley recognises but may not take; others are not implemented at
// all (RFC 3261 §21.5.2).
func knownMethod(m gosip.RequestMethod) bool {
	switch m {
	case gosip.SUBSCRIBE, gosip.NOTIFY, gosip.REFER, gosip.MESSAGE, gosip.PRACK, gosip.PUBLISH, gosip.REGISTER:
		return true
	}
	return false
}

// onOtherMethod answers a method Parley does not handle: 405 with Allow for
// a method it knows (§8.2.1), 501 for one it does not (§21.5.2).
func (s *Server) onOtherMethod(req *gosip.Request, tx gosip.ServerTransaction) {
	code, reason := gosip.StatusNotImplemented, "Not Implemented"
	if knownMethod(req.Method) {
		code, reason = gosip.StatusMethodNotAllowed, "Method Not Allowed"
	}
	res := gosip.NewResponseFromRequest(req, code, reason, nil)
	res.AppendHeader(gosip.NewHeader("Allow", s.allowed()))
	_ = tx.Respond(res)
}

// onRegister hands REGISTER to the registrar while it has extensions (a
// reload may add or remove them all); without any, REGISTER is a method
// Parley does not take.
func (s *Server) onRegister(req *gosip.Request, tx gosip.ServerTransaction) {
	if s.registrar.Len() == 0 {
		s.onOtherMethod(req, tx)
		return
	}
	s.registrar.HandleRegister(req, tx)
}

// allowed lists the methods this server takes, for Allow headers: REGISTER
// only with a registrar that has extensions.
func (s *Server) allowed() string {
	if s.registrar == nil || s.registrar.Len() == 0 {
		return strings.TrimSuffix(allowed, ", REGISTER")
	}
	return allowed
}
