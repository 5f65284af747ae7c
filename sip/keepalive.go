package sip

import (
	"context"
	"slices"
	"sync"
	"time"
)

// SendOptionsFunc sends one OPTIONS request (RFC 3261 §11) to a binding
// registered per RFC 3261 §10.3, to check that the phone is still there;
// see RegistrarOptions.SendOptions for its contract.
type SendOptionsFunc func(ctx context.Context, b Binding) error

// sweepEvery is how often Run drops expired bindings. Contacts never
// returns an expired binding whatever the sweep, so this only bounds how
// late the "expired" log line and the memory release come.
const sweepEvery = time.Second

// keepAliveParallel bounds the OPTIONS probes in flight at once.
const keepAliveParallel = 256

// Run removes expired bindings (RFC 3261 §10.2.1.1, §10.3) and, when
// RegistrarOptions.SendOptions is set, probes every binding with OPTIONS
// once per KeepAlive, dropping a binding after KeepAliveFailures probes in
// a row have failed. The probes also refresh the phones' NAT bindings
// (RFC 5626 §3.5 describes the same need from the phone's side).
//
// Run blocks until ctx is done and every probe it started has returned;
// call it once, on a goroutine the owner waits for.
func (r *Registrar) Run(ctx context.Context) {
	sweep := time.NewTicker(sweepEvery)
	defer sweep.Stop()
	var probe <-chan time.Time
	if r.opts.SendOptions != nil && r.opts.KeepAlive > 0 {
		t := time.NewTicker(r.opts.KeepAlive)
		defer t.Stop()
		probe = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-sweep.C:
			r.sweep(r.now())
		case <-probe:
			r.keepAlive(ctx)
		}
	}
}

// sweep drops every binding expired at now.
func (r *Registrar) sweep(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for ext := range r.bindings {
		if live := r.live(ext, now); len(live) == 0 {
			delete(r.bindings, ext)
		} else {
			r.bindings[ext] = live
		}
	}
}

// keepAlive probes every binding once, in parallel, each probe bounded by
// KeepAlive, and returns when all have returned. No lock is held while a
// probe is in flight.
func (r *Registrar) keepAlive(ctx context.Context) {
	r.mu.Lock()
	var all []*binding
	for _, bs := range r.bindings {
		all = append(all, bs...)
	}
	r.mu.Unlock()

	sem := make(chan struct{}, keepAliveParallel)
	var wg sync.WaitGroup
	for _, b := range all {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return
		}
		wg.Add(1)
		snapshot := b.Binding
		snapshot.Contact = *b.Contact.Clone()
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			pctx, cancel := context.WithTimeout(ctx, r.opts.KeepAlive)
			err := r.opts.SendOptions(pctx, snapshot)
			cancel()
			if ctx.Err() != nil {
				return // shutting down: not the phone's fault
			}
			if r.probed(b, err) {
				r.publish(b.Extension)
			}
		}()
	}
	wg.Wait()
}

// probed records the outcome of one probe of b, dropping b after
// KeepAliveFailures failures in a row, and reports whether it dropped it.
// A binding replaced or removed since the probe started is left alone: a
// new REGISTER proved the phone alive.
func (r *Registrar) probed(b *binding, err error) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	bs := r.bindings[b.Extension]
	i := slices.Index(bs, b)
	if i < 0 {
		return false
	}
	if err == nil {
		b.misses = 0
		return false
	}
	b.misses++
	r.log.Debug("keep-alive failed", "extension", b.Extension, "contact", b.Contact.String(),
		"destination", b.Destination, "misses", b.misses, "err", err)
	if b.misses < r.opts.KeepAliveFailures {
		return false
	}
	bs = slices.Delete(bs, i, i+1)
	if len(bs) == 0 {
		delete(r.bindings, b.Extension)
	} else {
		r.bindings[b.Extension] = bs
	}
	r.log.Info("registration removed", "extension", b.Extension, "contact", b.Contact.String(),
		"destination", b.Destination, "reason", "keep-alive failed", "misses", b.misses, "err", err)
	return true
}
