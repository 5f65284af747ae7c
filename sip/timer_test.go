package sip

import (
	"errors"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

func inviteWith(headers map[string]string) *gosip.Request {
	req := gosip.NewRequest(gosip.INVITE, gosip.Uri{Scheme: "sip", User: "1000", Host: "127.0.0.1"})
	for k, v := range headers {
		req.AppendHeader(gosip.NewHeader(k, v))
	}
	return req
}

func TestNegotiateTimer(t *testing.T) {
	tests := []struct {
		name      string
		headers   map[string]string
		interval  time.Duration
		weRefresh bool
		require   bool
		none      bool
		err       error
	}{
		{name: "no timer", headers: nil, none: true},
		{name: "uac refreshes", headers: map[string]string{"Session-Expires": "90;refresher=uac", "Supported": "timer"}, interval: 90 * time.Second, require: true},
		{name: "uas asked to refresh", headers: map[string]string{"Session-Expires": "1800;refresher=uas", "Supported": "100rel, timer"}, interval: 1800 * time.Second, weRefresh: true, require: true},
		{name: "no refresher param: the uac", headers: map[string]string{"Session-Expires": "600", "Supported": "timer"}, interval: 600 * time.Second, require: true},
		{name: "uac without timer support: we refresh", headers: map[string]string{"Session-Expires": "600"}, interval: 600 * time.Second, weRefresh: true},
		{name: "compact form", headers: map[string]string{"x": "120;refresher=uac", "Supported": "timer"}, interval: 120 * time.Second, require: true},
		{name: "too small", headers: map[string]string{"Session-Expires": "30", "Supported": "timer"}, err: errIntervalTooSmall},
		{name: "malformed is ignored", headers: map[string]string{"Session-Expires": "soon"}, none: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			timer, err := negotiateTimer(inviteWith(tt.headers), defaultMinSE)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if tt.err != nil {
				return
			}
			if tt.none {
				if timer != nil {
					t.Fatalf("timer %+v, want none", timer)
				}
				return
			}
			if timer.interval != tt.interval || timer.weRefresh != tt.weRefresh || timer.require != tt.require {
				t.Errorf("timer %+v, want interval %v weRefresh %v require %v", timer, tt.interval, tt.weRefresh, tt.require)
			}
		})
	}
}

func TestTimerPeriods(t *testing.T) {
	timer := &sessionTimer{interval: 90 * time.Second}
	if timer.refreshEvery() != 45*time.Second {
		t.Errorf("refresh every %v, want 45s", timer.refreshEvery())
	}
	if timer.expiresAfter() != 60*time.Second { // 90 − min(32, 30)
		t.Errorf("expires after %v, want 60s", timer.expiresAfter())
	}
	long := &sessionTimer{interval: 1800 * time.Second}
	if long.expiresAfter() != 1768*time.Second {
		t.Errorf("expires after %v, want 1768s", long.expiresAfter())
	}
}
