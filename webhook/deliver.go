package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// maxDrainBody is how much of a response body is read so that the
// connection can be reused; the rest is discarded with the connection.
const maxDrainBody = 64 << 10

// work delivers h's queue one delivery at a time until stop is closed and
// the queue is empty. Once ctx ends, what is left is counted as abandoned
// and logged in one line.
func (s *Sender) work(ctx context.Context, h *hook, stop <-chan struct{}) {
	abandoned := 0
	defer func() {
		if abandoned > 0 {
			s.log.Warn("webhook deliveries abandoned at shutdown", "url", h.logURL, "count", abandoned)
			s.abandoned.Add(uint64(abandoned))
		}
	}()
	for {
		d, ok := h.q.pop()
		if !ok {
			select {
			case <-h.q.ready:
				continue
			case <-stop:
				// Run pushes nothing after closing stop, so an empty queue
				// now stays empty.
				if d, ok = h.q.pop(); !ok {
					return
				}
			}
		}
		if ctx.Err() != nil || !s.deliver(ctx, h, d) {
			abandoned++
		}
	}
}

// deliver sends d to h, retrying as the package documentation says. It
// returns false if ctx ended first.
func (s *Sender) deliver(ctx context.Context, h *hook, d delivery) bool {
	for attempt := 1; ; attempt++ {
		retry, err := s.attempt(ctx, h, d)
		if err == nil {
			s.delivered.Add(1)
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if !retry || attempt >= s.maxAttempts {
			s.log.Warn("webhook delivery failed", "url", h.logURL, "event", d.typ, "delivery", d.id,
				"attempts", attempt, "retryable", retry, "err", err)
			s.failed.Add(1) // after the log, so a caller seeing the count sees the line
			return true
		}
		s.retried.Add(1)
		wait := s.backoff(attempt)
		s.log.Debug("webhook delivery will be retried", "url", h.logURL, "event", d.typ, "delivery", d.id,
			"attempt", attempt, "wait", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return false
		}
	}
}

// attempt POSTs d to h once. err is nil on a 2xx answer; otherwise retry
// tells whether another attempt may succeed (a network error, 429 or 5xx).
func (s *Sender) attempt(ctx context.Context, h *hook, d delivery) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(d.body))
	if err != nil {
		return false, fmt.Errorf("new request: %w", err)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Parley-Webhook")
	req.Header.Set(HeaderEvent, d.typ)
	req.Header.Set(HeaderDelivery, d.id)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, sign(h.secret, ts, d.body))
	resp, err := s.client.Do(req)
	if err != nil {
		// url.Error repeats the URL, query and all; the log has its own.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return true, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrainBody))
	resp.Body.Close()
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return false, nil
	case c == http.StatusTooManyRequests || c >= 500:
		return true, fmt.Errorf("status %d", c)
	default:
		return false, fmt.Errorf("status %d", c)
	}
}
