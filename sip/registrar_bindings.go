package sip

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// requested is one Contact of a REGISTER, checked and with its interval.
type requested struct {
	hdr     *gosip.ContactHeader
	key     string
	expires time.Duration // 0 removes
}

// update applies the Contacts of an authenticated REGISTER for ext (RFC
// 3261 §10.3 steps 6–8): all or nothing.
func (r *Registrar) update(req *gosip.Request, log *slog.Logger, ext, callID string, cseq uint32, now time.Time) *gosip.Response {
	contacts, err := contactHeaders(req)
	if err != nil {
		return r.response(req, gosip.StatusBadRequest, "Bad Contact")
	}
	hdrExpires, hasHdrExpires := headerExpires(req)

	wildcard := false
	var reqs []requested
	for _, c := range contacts {
		if c.Address.Wildcard {
			wildcard = true
			continue
		}
		if s := strings.ToLower(c.Address.Scheme); s != "sip" && s != "sips" {
			return r.response(req, 416, "Unsupported URI Scheme") // sipgo names 416 after HTTP
		}
		exp := r.opts.DefaultExpires
		if v, ok := c.Params.Get("expires"); ok {
			exp = r.parseExpires(v)
		} else if hasHdrExpires {
			exp = hdrExpires
		}
		if exp > 0 && exp < r.opts.MinExpires {
			res := r.response(req, gosip.StatusIntervalToBrief, "Interval Too Brief")
			res.AppendHeader(gosip.NewHeader("Min-Expires", strconv.Itoa(int(r.opts.MinExpires/time.Second))))
			log.Info("register refused", "reason", "interval too brief", "expires", int(exp/time.Second))
			return res
		}
		exp = min(exp, r.opts.MaxExpires)
		reqs = append(reqs, requested{hdr: c, key: bindingKey(c), expires: exp})
	}
	// §10.3 step 6: "*" must be alone and come with Expires: 0.
	if wildcard && (len(contacts) != 1 || !hasHdrExpires || hdrExpires != 0) {
		return r.response(req, gosip.StatusBadRequest, "Invalid Wildcard Contact")
	}
	if len(reqs) > r.opts.MaxContacts {
		log.Warn("register refused", "reason", "too many contacts", "contacts", len(reqs))
		return r.response(req, gosip.StatusForbidden, "Too Many Contacts")
	}

	dest := r.destination(req)
	ua := ""
	if h := req.GetHeader("User-Agent"); h != nil {
		ua = h.Value()
	}

	r.mu.Lock()
	old := r.live(ext, now)
	next, added, removed, err := r.plan(old, reqs, wildcard, dest, ext, ua, callID, cseq, now)
	if err != nil {
		next = old // only the expired ones go
	}
	if len(next) == 0 {
		delete(r.bindings, ext)
	} else {
		r.bindings[ext] = next
	}
	r.mu.Unlock()
	if err != nil {
		log.Warn("register refused", "reason", err.Error(), "call_id", callID, "cseq", cseq)
		return r.response(req, gosip.StatusInternalServerError, "Server Internal Error")
	}
	r.publish(ext)

	for _, b := range removed {
		log.Info("registration removed", "contact", b.Contact.String(), "reason", b.why)
	}
	for _, b := range added {
		log.Info(b.msg, "contact", b.Contact.String(), "destination", b.Destination,
			"transport", b.Transport, "nat", b.NAT, "expires", int(b.Expires.Sub(now).Round(time.Second)/time.Second),
			"user_agent", b.UserAgent)
	}

	res := r.response(req, gosip.StatusOK, "OK")
	for _, b := range next {
		c := &gosip.ContactHeader{Address: *b.Contact.Clone(), Params: b.params.Clone()}
		secs := int((b.Expires.Sub(now) + time.Second - 1) / time.Second)
		c.Params.Add("expires", strconv.Itoa(secs))
		res.AppendHeader(c)
	}
	res.AppendHeader(gosip.NewHeader("Date", now.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")))
	return res
}

// removal is a binding taken away, with why, for the log.
type removal struct {
	*binding
	why string
}

// change is a binding added or moved, with the log message saying which.
type change struct {
	*binding
	msg string
}

var errOutOfOrder = errors.New("cseq not higher than the binding's for the same call-id (RFC 3261 §10.3 step 7)")

// plan computes the bindings of an extension after one REGISTER, without
// changing anything. Caller holds r.mu.
func (r *Registrar) plan(old []*binding, reqs []requested, wildcard bool, dest destination, ext, ua, callID string, cseq uint32, now time.Time) (next []*binding, added []change, removed []removal, err error) {
	// §10.3 step 7: the same Call-ID with a CSeq that is not higher aborts.
	stale := func(b *binding) bool { return b.callID == callID && cseq <= b.cseq }
	if wildcard {
		for _, b := range old {
			if stale(b) {
				return nil, nil, nil, errOutOfOrder
			}
			removed = append(removed, removal{b, "unregistered"})
		}
		return nil, nil, removed, nil
	}
	next = slices.Clone(old)
	touched := map[string]bool{}
	for _, q := range reqs {
		i := slices.IndexFunc(next, func(b *binding) bool { return b.key == q.key })
		if i >= 0 && stale(next[i]) {
			return nil, nil, nil, errOutOfOrder
		}
		if q.expires == 0 {
			if i >= 0 {
				removed = append(removed, removal{next[i], "unregistered"})
				next = slices.Delete(next, i, i+1)
			}
			continue
		}
		nb := r.newBinding(q, dest, ext, ua, callID, cseq, now)
		touched[q.key] = true
		if i >= 0 {
			// A refresh: keep the place, reset the keep-alive count. It is
			// a change worth a log line only if the phone moved.
			if next[i].Destination != nb.Destination || next[i].Contact.String() != nb.Contact.String() {
				added = append(added, change{nb, "registration moved"})
			}
			next[i] = nb
			continue
		}
		added = append(added, change{nb, "registration added"})
		next = append(next, nb)
	}
	// Too many: evict the bindings this request did not touch that expire
	// soonest.
	for len(next) > r.opts.MaxContacts {
		victim := -1
		for i, b := range next {
			if !touched[b.key] && (victim < 0 || b.Expires.Before(next[victim].Expires)) {
				victim = i
			}
		}
		if victim < 0 { // cannot happen: len(reqs) <= MaxContacts
			break
		}
		removed = append(removed, removal{next[victim], "evicted: too many contacts"})
		next = slices.Delete(next, victim, victim+1)
	}
	return next, added, removed, nil
}

func (r *Registrar) newBinding(q requested, dest destination, ext, ua, callID string, cseq uint32, now time.Time) *binding {
	c := q.hdr
	b := &binding{
		key:    q.key,
		params: c.Params.Clone(),
		callID: callID,
		cseq:   cseq,
	}
	b.params.Remove("expires")
	b.Extension = ext
	b.Contact = *c.Address.Clone()
	b.Source = dest.source
	b.Expires = now.Add(q.expires)
	b.UserAgent = ua
	if v, ok := c.Params.Get("+sip.instance"); ok {
		b.Instance = strings.Trim(v, `"`)
	}
	if v, ok := c.Params.Get("reg-id"); ok {
		b.RegID, _ = strconv.Atoi(v)
	}
	if dest.nat || dest.contactNAT(c.Address) {
		b.NAT = true
		b.Destination, b.Transport = dest.source, dest.transport
	} else {
		b.Destination, b.Transport = contactTarget(c.Address)
	}
	return b
}

// live returns ext's bindings that have not expired, dropping the others.
// Caller holds r.mu.
func (r *Registrar) live(ext string, now time.Time) []*binding {
	bs := r.bindings[ext]
	out := bs[:0:0]
	for _, b := range bs {
		if b.Expires.After(now) {
			out = append(out, b)
		} else {
			r.log.Info("registration removed", "extension", ext, "contact", b.Contact.String(), "reason", "expired")
		}
	}
	return out
}

// parseExpires reads an expires value in seconds; a malformed one counts
// as DefaultExpires (RFC 3261 §20.19 says 3600, which is our default).
func (r *Registrar) parseExpires(v string) time.Duration {
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
	if err != nil {
		return r.opts.DefaultExpires
	}
	return time.Duration(n) * time.Second
}

// headerExpires returns the Expires header of req (RFC 3261 §10.2.1.1).
func headerExpires(req *gosip.Request) (d time.Duration, ok bool) {
	h := req.GetHeader("Expires")
	if h == nil {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimSpace(h.Value()), 10, 32)
	if err != nil {
		return 3600 * time.Second, true
	}
	return time.Duration(n) * time.Second, true
}

// contactHeaders returns every Contact value of req, whether sipgo parsed
// it (one ContactHeader per comma-separated value) or holds it as text.
func contactHeaders(req *gosip.Request) ([]*gosip.ContactHeader, error) {
	var out []*gosip.ContactHeader
	for _, h := range req.GetHeaders("Contact") {
		if c, ok := h.(*gosip.ContactHeader); ok {
			out = append(out, c)
			continue
		}
		hs, err := gosip.HeadersParser(gosip.DefaultHeadersParser()).ParseHeader(nil, []byte("Contact: "+h.Value()))
		if err != nil {
			return nil, err
		}
		for _, p := range hs {
			out = append(out, p.(*gosip.ContactHeader))
		}
	}
	return out, nil
}

// bindingKey identifies a binding for RFC 3261 §10.3 step 6: by instance
// and reg-id when the phone sends +sip.instance (RFC 5626 §6, RFC 5627),
// else by the Contact URI compared per §19.1.4 (scheme and host without
// case, user with case, port as written, and the transport, user, method,
// maddr and ttl parameters; other parameters are ignored).
func bindingKey(c *gosip.ContactHeader) string {
	if v, ok := c.Params.Get("+sip.instance"); ok && v != "" {
		return "instance " + strings.Trim(v, `"`) + " " + c.Params.GetOr("reg-id", "")
	}
	u := c.Address
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%s@%s:%d", strings.ToLower(u.Scheme), u.User, strings.ToLower(u.Host), u.Port)
	for _, k := range []string{"transport", "user", "method", "maddr", "ttl"} {
		if v, ok := u.UriParams.Get(k); ok {
			fmt.Fprintf(&b, ";%s=%s", k, strings.ToLower(v))
		}
	}
	return b.String()
}
