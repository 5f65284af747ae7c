package webhook

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/rules"
)

// Defaults for Options left zero.
const (
	// DefaultMaxAttempts is how many times a delivery is tried in all.
	DefaultMaxAttempts = 6
	// DefaultQueueSize is how many deliveries wait per hook.
	DefaultQueueSize = 1000
	// DefaultDrainTimeout is how long Run keeps delivering after its input
	// ends.
	DefaultDrainTimeout = 5 * time.Second
	// DefaultTimeout bounds one attempt of the default client.
	DefaultTimeout = 10 * time.Second
	// MinSecretLen is the shortest secret New accepts.
	MinSecretLen = rules.MinWebhookSecret
)

// maxBackoff caps DefaultBackoff.
const maxBackoff = 60 * time.Second

// dropLogEvery is the least time between two log lines about one hook's
// full queue; drops in between are summed into the next line.
const dropLogEvery = 10 * time.Second

// Hook is an endpoint that receives events.
type Hook struct {
	// URL is the http:// or https:// address events are POSTed to, without
	// a fragment (rules.WebhookURL).
	URL string
	// Secret keys the HMAC-SHA256 signature; at least MinSecretLen bytes.
	// It is never logged.
	Secret string
	// Events are the event types (bridge.EventType values, named by
	// rules.Events: "joined", "left", …) sent to this hook; empty sends all.
	Events []string
}

// Options tune a Sender; the zero value is usable.
type Options struct {
	// Client sends the requests. Default: a client of its own with a
	// DefaultTimeout per attempt that does not follow redirects. A client
	// given here should have a Timeout, or a hung endpoint holds its hook's
	// queue until shutdown.
	Client *http.Client
	// Logger receives failures, drops and, at debug level, retries. It
	// never sees a secret. Default: discard.
	Logger *slog.Logger
	// MaxAttempts is how many times a delivery is tried in all before it is
	// given up. Default: DefaultMaxAttempts.
	MaxAttempts int
	// Backoff returns how long to wait after attempt number attempt
	// (1 for the first) failed, before the next one. It is called on the
	// hook's worker goroutine. Default: DefaultBackoff.
	Backoff func(attempt int) time.Duration
	// QueueSize is how many deliveries may wait per hook; past it the
	// oldest is dropped. Default: DefaultQueueSize.
	QueueSize int
	// DrainTimeout is how long Run goes on delivering what is queued
	// after its context ends or its channel closes; what is left then is
	// abandoned. Default: DefaultDrainTimeout.
	DrainTimeout time.Duration
}

// DefaultBackoff waits 1s after the first attempt, 2s after the second,
// 4s, 8s and so on, capped at 60s, each varied by up to ±25% at random so
// that hooks failing together do not retry in step. An attempt below 1
// counts as 1.
func DefaultBackoff(attempt int) time.Duration {
	attempt = max(attempt, 1)
	d := maxBackoff
	if attempt <= 6 {
		d = time.Second << (attempt - 1)
	}
	d = d - d/4 + mrand.N(d/2)
	return min(d, maxBackoff)
}

// Sender delivers events to a fixed set of hooks. Create it with New and
// start it with Run.
type Sender struct {
	hooks       []*hook
	client      *http.Client
	ownClient   bool // client was made by New, and its idle connections are closed by Run
	log         *slog.Logger
	maxAttempts int
	backoff     func(int) time.Duration
	drain       time.Duration

	running atomic.Bool

	// Deliveries over the Sender's life, read through Stats (stats.go).
	delivered, failed, retried, dropped, abandoned atomic.Uint64
}

// hook is a Hook ready to send to.
type hook struct {
	url string
	// logURL is url without its query, which may carry a token, for logs.
	logURL string
	secret []byte
	// events are the types sent; nil sends all.
	events map[bridge.EventType]bool
	q      *queue

	// dropsSinceLog and lastDropLog rate-limit the log of drops; owned by
	// Run's goroutine.
	dropsSinceLog int
	lastDropLog   time.Time
}

// New checks hooks and opts and returns a Sender for them; it starts
// nothing. It fails on a URL that is not http:// or https://, a secret
// shorter than MinSecretLen, an unknown event type or a negative option.
// With no hooks it returns a Sender whose Run just waits for its input to
// end.
func New(hooks []Hook, opts Options) (*Sender, error) {
	if opts.MaxAttempts < 0 || opts.QueueSize < 0 || opts.DrainTimeout < 0 {
		return nil, errors.New("webhook: negative MaxAttempts, QueueSize or DrainTimeout")
	}
	s := &Sender{client: opts.Client, log: opts.Logger, maxAttempts: opts.MaxAttempts,
		backoff: opts.Backoff, drain: opts.DrainTimeout}
	if s.client == nil {
		s.client = &http.Client{
			Transport: http.DefaultTransport.(*http.Transport).Clone(),
			Timeout:   DefaultTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
		s.ownClient = true
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.maxAttempts == 0 {
		s.maxAttempts = DefaultMaxAttempts
	}
	if s.backoff == nil {
		s.backoff = DefaultBackoff
	}
	if s.drain == 0 {
		s.drain = DefaultDrainTimeout
	}
	size := opts.QueueSize
	if size == 0 {
		size = DefaultQueueSize
	}
	for i, h := range hooks {
		if err := rules.WebhookURL(h.URL); err != nil {
			return nil, fmt.Errorf("webhook: hooks[%d]: url: %w", i, err)
		}
		u, _ := url.Parse(h.URL) // WebhookURL parsed it
		if len(h.Secret) < MinSecretLen {
			return nil, fmt.Errorf("webhook: hooks[%d]: secret: want at least %d characters", i, MinSecretLen)
		}
		hk := &hook{url: h.URL, logURL: u.Scheme + "://" + u.Host + u.EscapedPath(),
			secret: []byte(h.Secret), q: newQueue(size)}
		for _, e := range h.Events {
			t := bridge.EventType(e)
			if !rules.IsEvent(e) {
				return nil, fmt.Errorf("webhook: hooks[%d]: events: unknown event %q", i, e)
			}
			if hk.events == nil {
				hk.events = make(map[bridge.EventType]bool)
			}
			hk.events[t] = true
		}
		s.hooks = append(s.hooks, hk)
	}
	return s, nil
}

// Run delivers the events read from events until ctx ends or events is
// closed, then goes on delivering what is queued for up to
// Options.DrainTimeout, and returns once every goroutine it started has
// stopped. Reading events never waits for an endpoint, so a bridge
// subscription is drained as fast as it fills.
//
// Run may be called once; a second call logs an error and returns at once.
func (s *Sender) Run(ctx context.Context, events <-chan bridge.Event) {
	if !s.running.CompareAndSwap(false, true) {
		s.log.Error("webhook: Run called twice")
		return
	}
	// Deliveries outlive ctx by the drain: dctx ends DrainTimeout after
	// the input does.
	dctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, h := range s.hooks {
		wg.Go(func() { s.work(dctx, h, stop) })
	}
	s.consume(ctx, events)
	close(stop)
	drained := time.AfterFunc(s.drain, cancel)
	wg.Wait()
	drained.Stop()
	if s.ownClient {
		s.client.CloseIdleConnections()
	}
}

// consume queues each event for the hooks that want it until ctx ends or
// events closes.
func (s *Sender) consume(ctx context.Context, events <-chan bridge.Event) {
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-events:
			if !ok {
				return
			}
			s.enqueue(e)
		}
	}
}

// enqueue queues e for every hook that wants it, encoding it once.
func (s *Sender) enqueue(e bridge.Event) {
	var body []byte
	for _, h := range s.hooks {
		if h.events != nil && !h.events[e.Type] {
			continue
		}
		if body == nil {
			var err error
			if body, err = json.Marshal(e); err != nil {
				s.log.Error("webhook: cannot encode event", "event", string(e.Type), "err", err)
				return
			}
		}
		if h.q.push(delivery{typ: string(e.Type), id: rand.Text(), body: body}) {
			h.dropsSinceLog++
			if now := time.Now(); now.Sub(h.lastDropLog) >= dropLogEvery {
				s.log.Warn("webhook queue full, dropped oldest events", "url", h.logURL,
					"dropped", h.dropsSinceLog, "queue_size", len(h.q.items))
				h.dropsSinceLog, h.lastDropLog = 0, now
			}
			s.dropped.Add(1)
		}
	}
}
