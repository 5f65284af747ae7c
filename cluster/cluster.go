// Package cluster makes a Parley one node of several that share the rooms
// over NATS: nodes announce themselves with heartbeats (a JetStream KV
// bucket whose entries live one TTL), each room in use is owned by one
// node through a lease in another such bucket (lease.go), and requests for
// a room's live state are carried to its owner by NATS request/reply
// (forward.go).
//
// When NATS cannot be reached a node keeps serving its own rooms and takes
// calls for rooms whose owner it cannot learn (the single-node fallback);
// its leases are written again once NATS is back.
//
// cluster imports nats.go and the standard library only: the edges ask it
// through interfaces of their own.
package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Node is a member of the cluster as its heartbeats announce it.
type Node struct {
	// Name is the node's unique name (cluster.node).
	Name string `json:"name"`
	// SIP is the HOST:PORT callers are redirected to for its rooms.
	SIP string `json:"sip"`
	// HTTP is its HTTP URL, for browsers and operators.
	HTTP string `json:"http,omitempty"`
	// Draining is set in the heartbeats of a node that drains (drain.go):
	// it takes no new room, and new rooms are sent to the others.
	Draining bool `json:"draining,omitempty"`
}

// Options configure a Cluster.
type Options struct {
	// Self is this node; Name is required, SIP too (a redirect to a node
	// with no address would strand the caller).
	Self Node
	// URLs are the NATS servers.
	URLs []string
	// User and Password, when User is set, authenticate the node to NATS.
	User, Password string
	// CAFile, when set, holds the PEM CAs trusted for tls:// servers.
	CAFile string
	// TTL is the life of a heartbeat or lease not renewed; renewals come
	// every TTL/3.
	TTL time.Duration
	// Active reports whether a room has participants on this node: a held
	// room that has none (after claimGrace) is released.
	Active func(room string) bool
	// Logger receives the cluster's log; nil discards it.
	Logger *slog.Logger
}

// Bucket names: one for heartbeats, one for room leases.
const (
	nodesBucket  = "parley_nodes"
	leasesBucket = "parley_rooms"
)

// opTimeout bounds each NATS operation, so that a call or an API request
// waits at most this long when NATS is unreachable.
const opTimeout = time.Second

// ErrUnreachable is returned when NATS is not connected.
var ErrUnreachable = errors.New("nats is unreachable")

// Cluster is this node's membership. New connects (retrying in the
// background when NATS is down); Close stops heartbeats, releases the
// leases and disconnects. Its methods are safe for concurrent use.
type Cluster struct {
	opts Options
	log  *slog.Logger
	nc   *nats.Conn
	js   jetstream.JetStream
	self []byte // Self as JSON, the value of heartbeats and leases

	mu     sync.Mutex
	nodes  jetstream.KeyValue // nil until bound (bind)
	leases jetstream.KeyValue
	held   map[string]*lease // rooms this node owns, or took while NATS was down

	sub      *nats.Subscription           // forwarded requests (forward.go)
	handler  atomic.Pointer[http.Handler] // serves them (Serve)
	draining atomic.Bool                  // Drain was called (drain.go)
	stop     chan struct{}
	done     chan struct{}
}

// New connects to NATS and starts the heartbeat and lease renewals. When
// no server answers, New still returns: the connection is retried in the
// background, and until it succeeds every room is this node's to take.
func New(opts Options) (*Cluster, error) {
	if opts.Self.Name == "" || opts.Self.SIP == "" {
		return nil, errors.New("cluster: a node needs a name and a sip address")
	}
	if opts.TTL <= 0 {
		return nil, errors.New("cluster: the lease ttl must be positive")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	self, err := json.Marshal(opts.Self)
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	c := &Cluster{opts: opts, log: log.With("node", opts.Self.Name), self: self,
		held: make(map[string]*lease), stop: make(chan struct{}), done: make(chan struct{})}
	c.nc, err = nats.Connect(strings.Join(opts.URLs, ","), c.natsOptions()...)
	if err != nil {
		return nil, fmt.Errorf("cluster: nats: %w", err)
	}
	if c.js, err = jetstream.New(c.nc); err != nil {
		c.nc.Close()
		return nil, fmt.Errorf("cluster: jetstream: %w", err)
	}
	if c.sub, err = c.nc.Subscribe(forwardSubject(opts.Self.Name), c.serveForwarded); err != nil {
		c.nc.Close()
		return nil, fmt.Errorf("cluster: subscribe: %w", err)
	}
	if err := c.checkName(); err != nil {
		c.nc.Close()
		return nil, err
	}
	c.beat()
	go c.loop()
	return c, nil
}

// checkName refuses a name that another live node, at another SIP
// address, announces: two nodes of one name would both think a room
// theirs. The same node restarted within the TTL has the same address.
// With NATS unreachable there is no one to ask.
func (c *Cluster) checkName() error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	nodes, _, err := c.buckets(ctx)
	if errors.Is(err, ErrUnreachable) {
		return nil
	}
	if err != nil {
		return err
	}
	e, err := nodes.Get(ctx, c.opts.Self.Name)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cluster: heartbeat of %s: %w", c.opts.Self.Name, err)
	}
	var other Node
	if json.Unmarshal(e.Value(), &other) == nil && other.SIP != c.opts.Self.SIP {
		return fmt.Errorf("cluster: node %s is already live at %s", c.opts.Self.Name, other.SIP)
	}
	return nil
}

// errText is err's text, or "" for nil (a clean disconnect).
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Self returns this node.
func (c *Cluster) Self() Node { return c.opts.Self }

// loop renews the heartbeat and the leases every TTL/3 until Close.
func (c *Cluster) loop() {
	defer close(c.done)
	t := time.NewTicker(c.opts.TTL / 3)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			c.beat()
			c.renew()
		}
	}
}

// buckets returns the heartbeat and lease buckets, made or opened on first
// use (and again after a failure: NATS may have been down, rebind), or
// ErrUnreachable while NATS is not connected.
func (c *Cluster) buckets(ctx context.Context) (nodes, leases jetstream.KeyValue, err error) {
	if !c.nc.IsConnected() { // fail at once rather than after opTimeout
		return nil, nil, ErrUnreachable
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.nodes != nil {
		return c.nodes, c.leases, nil
	}
	if nodes, err = c.bucket(ctx, nodesBucket); err != nil {
		return nil, nil, err
	}
	if leases, err = c.bucket(ctx, leasesBucket); err != nil {
		return nil, nil, err
	}
	c.nodes, c.leases = nodes, leases
	return nodes, leases, nil
}

// rebind forgets the buckets when err says they are gone (deleted, or a
// NATS server that lost its store), so that the next operation makes them
// again.
func (c *Cluster) rebind(err error) {
	if errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders) ||
		errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, jetstream.ErrBucketNotFound) {
		c.mu.Lock()
		c.nodes, c.leases = nil, nil
		c.mu.Unlock()
	}
}

// bucket makes or opens a KV bucket whose entries live one TTL; one made
// by a node with another TTL is an error (the nodes would disagree on when
// a lease ends).
func (c *Cluster) bucket(ctx context.Context, name string) (jetstream.KeyValue, error) {
	kv, err := c.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: name, TTL: c.opts.TTL,
		History: 1, Storage: jetstream.FileStorage}) // leases outlive a NATS restart
	if errors.Is(err, jetstream.ErrBucketExists) {
		if kv, err = c.js.KeyValue(ctx, name); err != nil {
			return nil, fmt.Errorf("cluster: bucket %s: %w", name, err)
		}
		st, err := kv.Status(ctx)
		if err != nil {
			return nil, fmt.Errorf("cluster: bucket %s: %w", name, err)
		}
		if st.TTL() != c.opts.TTL {
			return nil, fmt.Errorf("cluster: bucket %s has a ttl of %s, this node's lease_ttl is %s: every node needs the same", name, st.TTL(), c.opts.TTL)
		}
		return kv, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: bucket %s: %w", name, err)
	}
	return kv, nil
}

// beat writes this node's heartbeat.
func (c *Cluster) beat() {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	nodes, _, err := c.buckets(ctx)
	if err == nil {
		_, err = nodes.Put(ctx, c.opts.Self.Name, c.heartbeat())
	}
	if err != nil && !errors.Is(err, ErrUnreachable) {
		c.rebind(err)
		c.log.Warn("cluster: heartbeat failed", "err", err.Error())
	}
}

// Members returns the live nodes (their heartbeats not older than the
// TTL), sorted by name, this one included.
func (c *Cluster) Members(ctx context.Context) ([]Node, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	nodes, _, err := c.buckets(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := nodes.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("cluster: members: %w", err)
	}
	var out []Node
	for k := range keys.Keys() {
		e, err := nodes.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue // expired since the listing
		}
		if err != nil {
			return nil, fmt.Errorf("cluster: members: %w", err)
		}
		var n Node
		if json.Unmarshal(e.Value(), &n) == nil {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Close stops the heartbeats, releases this node's leases (so that its
// rooms are free at once rather than after the TTL), deletes its heartbeat
// and disconnects. It is idempotent.
func (c *Cluster) Close() {
	select {
	case <-c.stop:
		return
	default:
	}
	close(c.stop)
	<-c.done
	_ = c.sub.Unsubscribe()
	c.mu.Lock()
	rooms := make([]string, 0, len(c.held))
	for r, l := range c.held {
		l.refs = 0 // the node goes: its calls with it
		rooms = append(rooms, r)
	}
	c.mu.Unlock()
	for _, r := range rooms {
		c.release(r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	if nodes, _, err := c.buckets(ctx); err == nil {
		_ = nodes.Delete(ctx, c.opts.Self.Name)
	}
	cancel()
	c.nc.Close()
}
