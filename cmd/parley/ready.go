package main

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// readyTimeout bounds the store's answer to one readiness check.
const readyTimeout = 2 * time.Second

// readiness answers /readyz: Parley takes new calls when it is not
// draining, SIP serves on every listen address, the RTP range has a free
// port and the store answers a cheap query. HTTP is up when the question
// reaches it. It implements api.Readiness.
type readiness struct {
	draining func() bool
	sip      interface{ Ready() error }
	rtp      portCounter
	store    interface {
		Ping(ctx context.Context) error
	}
}

// portCounter is what readiness asks of the RTP port range:
// *media.PortRange.
type portCounter interface {
	// Size returns how many ports the range holds.
	Size() int
	// InUse returns how many of them are handed out.
	InUse() int
}

// Ready returns nil when Parley takes new calls, else the first reason
// it does not, as a short phrase ("draining", "rtp: …").
func (r readiness) Ready() error {
	if r.draining() {
		return errors.New("draining")
	}
	if err := r.sip.Ready(); err != nil {
		return err
	}
	if used, size := r.rtp.InUse(), r.rtp.Size(); used >= size {
		return fmt.Errorf("rtp: all %d ports in use", size)
	}
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	return r.store.Ping(ctx)
}
