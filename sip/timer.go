package sip

import (
	"errors"
	"strconv"
	"strings"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// errIntervalTooSmall refuses a Session-Expires below our Min-SE with 422
// (RFC 4028 §6).
var errIntervalTooSmall = errors.New("session interval too small")

// defaultMinSE is the smallest session interval we accept, in seconds: the
// RFC 4028 §4 minimum.
const defaultMinSE = 90

// sessionTimer is a session timer agreed per RFC 4028: the session must be
// refreshed (re-INVITE or UPDATE) within every interval.
type sessionTimer struct {
	interval  time.Duration
	weRefresh bool // we are the refresher; else the peer is
	require   bool // the peer supports timer: our 2xx carries Require: timer
}

// negotiateTimer reads Session-Expires, Min-SE and Supported of an INVITE
// and decides the timer (RFC 4028 §9). No Session-Expires: no timer.
func negotiateTimer(req *gosip.Request, minSE int) (*sessionTimer, error) {
	h := req.GetHeader("Session-Expires")
	if h == nil {
		h = req.GetHeader("x") // the compact form (RFC 4028 §4)
	}
	if h == nil {
		return nil, nil
	}
	value, params, _ := strings.Cut(h.Value(), ";")
	secs, err := strconv.Atoi(strings.TrimSpace(value))
	if err != nil || secs <= 0 {
		return nil, nil // malformed: RFC 4028 has no error for it; run without a timer
	}
	if secs < minSE {
		return nil, errIntervalTooSmall
	}
	supports := headerHas(req, "Supported", "timer") || headerHas(req, "Require", "timer")
	refresher := ""
	for _, p := range strings.Split(params, ";") {
		if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "refresher") {
			refresher = strings.ToLower(strings.TrimSpace(v))
		}
	}
	t := &sessionTimer{interval: time.Duration(secs) * time.Second, require: supports}
	switch {
	case !supports:
		t.weRefresh = true // the UAC cannot refresh: we must (§9)
	case refresher == "uas":
		t.weRefresh = true
	}
	return t, nil
}

// headerHas reports whether any header name lists option (comma list).
func headerHas(req *gosip.Request, name, option string) bool {
	for _, h := range req.GetHeaders(name) {
		for _, o := range strings.Split(h.Value(), ",") {
			if strings.EqualFold(strings.TrimSpace(o), option) {
				return true
			}
		}
	}
	return false
}

// addHeaders writes the timer into a 2xx (RFC 4028 §9). Nil-safe.
func (t *sessionTimer) addHeaders(res *gosip.Response) {
	if t == nil {
		return
	}
	refresher := "uac"
	if t.weRefresh {
		refresher = "uas"
	}
	res.AppendHeader(gosip.NewHeader("Session-Expires", strconv.Itoa(int(t.interval/time.Second))+";refresher="+refresher))
	if t.require {
		res.AppendHeader(gosip.NewHeader("Require", "timer"))
	}
}

// refreshEvery is how often the refresher refreshes: half the interval
// (RFC 4028 §10).
func (t *sessionTimer) refreshEvery() time.Duration { return t.interval / 2 }

// expiresAfter is how long the non-refresher waits for a refresh before it
// ends the session: the interval less min(32 s, interval/3) (RFC 4028 §10).
func (t *sessionTimer) expiresAfter() time.Duration {
	return t.interval - min(32*time.Second, t.interval/3)
}

func itoa(n int) string { return strconv.Itoa(n) }
