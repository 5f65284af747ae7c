package sip

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/parleyhq/parley/trace"
)

// sipgoLogEvery is how often at most a line with the same message (and
// reason) may be logged through a limitedHandler: sipgo's transport logs
// every datagram that does not parse, with its whole text, at error
// level, and Parley logs every request it refuses.
const sipgoLogEvery = 10 * time.Second

// maxLoggedValue bounds a string attribute of a sipgo log line: the text
// of a packet that did not parse is up to 64 KiB of whatever was sent.
const maxLoggedValue = 256

// limitedHandler is the slog handler Parley gives sipgo, and the one its
// request refusals go through: lines at level min and above come at most
// once per sipgoLogEvery per message and "reason" attribute, with the
// number left out since, and long string values cut; lines below min pass
// as they are.
type limitedHandler struct {
	next  slog.Handler
	now   func() time.Time
	min   slog.Level
	state *limitState // shared by the handlers WithAttrs and WithGroup derive
}

type limitState struct {
	mu   sync.Mutex
	last map[string]time.Time // by message and reason; guarded by mu
	left map[string]int       // lines left out since, by message and reason; guarded by mu
}

func newLimitedHandler(next slog.Handler, now func() time.Time, min slog.Level) *limitedHandler {
	return &limitedHandler{next: next, now: now, min: min,
		state: &limitState{last: make(map[string]time.Time), left: make(map[string]int)}}
}

// Enabled implements slog.Handler.
func (h *limitedHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

// Handle implements slog.Handler.
func (h *limitedHandler) Handle(ctx context.Context, r slog.Record) error {
	r = maskRecord(r)
	if r.Level < h.min {
		return h.next.Handle(ctx, r)
	}
	key := r.Message
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "reason" {
			key += "\x00" + a.Value.String()
			return false
		}
		return true
	})
	st := h.state
	st.mu.Lock()
	now := h.now()
	if last, ok := st.last[key]; ok && now.Sub(last) < sipgoLogEvery {
		st.left[key]++
		st.mu.Unlock()
		return nil
	}
	left := st.left[key]
	st.last[key], st.left[key] = now, 0
	st.mu.Unlock()
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		if a.Value.Kind() == slog.KindString && len(a.Value.String()) > maxLoggedValue {
			a.Value = slog.StringValue(a.Value.String()[:maxLoggedValue] + "…")
		}
		out.AddAttrs(a)
		return true
	})
	if left > 0 {
		out.AddAttrs(slog.Int("left_out_since_last", left))
	}
	return h.next.Handle(ctx, out)
}

// WithAttrs implements slog.Handler.
func (h *limitedHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &limitedHandler{next: h.next.WithAttrs(attrs), now: h.now, min: h.min, state: h.state}
}

// WithGroup implements slog.Handler.
func (h *limitedHandler) WithGroup(name string) slog.Handler {
	return &limitedHandler{next: h.next.WithGroup(name), now: h.now, min: h.min, state: h.state}
}

// maskRecord returns r with the SRTP keys of its string attributes masked
// (trace.MaskKeys): sipgo logs whole messages, SDP and all, at debug level.
func maskRecord(r slog.Record) slog.Record {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		if a.Value.Kind() == slog.KindString {
			a.Value = slog.StringValue(string(trace.MaskKeys([]byte(a.Value.String()))))
		}
		out.AddAttrs(a)
		return true
	})
	return out
}
