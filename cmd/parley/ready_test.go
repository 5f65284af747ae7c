package main

import (
	"context"
	"errors"
	"strings"
	"testing"
)

type fakeReady struct{ err error }

func (f fakeReady) Ready() error { return f.err }

type fakePing struct{ err error }

func (f fakePing) Ping(context.Context) error { return f.err }

type fakePorts struct{ size, used int }

func (f fakePorts) Size() int  { return f.size }
func (f fakePorts) InUse() int { return f.used }

// TestReadiness: ready only when not draining, SIP serves, an RTP port
// is free and the store answers; otherwise the first reason.
func TestReadiness(t *testing.T) {
	ok := readiness{draining: func() bool { return false }, sip: fakeReady{}, rtp: fakePorts{size: 10, used: 9}, store: fakePing{}}
	for _, tt := range []struct {
		name string
		edit func(r *readiness)
		want string // "" is ready
	}{
		{"ready", func(*readiness) {}, ""},
		{"draining", func(r *readiness) { r.draining = func() bool { return true } }, "draining"},
		{"sip down", func(r *readiness) { r.sip = fakeReady{errors.New("sip: a listener stopped")} }, "sip: a listener stopped"},
		{"no rtp port", func(r *readiness) { r.rtp = fakePorts{size: 10, used: 10} }, "rtp: all 10 ports in use"},
		{"store down", func(r *readiness) { r.store = fakePing{errors.New("store: ping: database is closed")} }, "store: ping"},
		{"draining first", func(r *readiness) {
			r.draining = func() bool { return true }
			r.store = fakePing{errors.New("store down")}
		}, "draining"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := ok
			tt.edit(&r)
			err := r.Ready()
			if tt.want == "" {
				if err != nil {
					t.Errorf("Ready = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Ready = %v, want %q", err, tt.want)
			}
		})
	}
}
