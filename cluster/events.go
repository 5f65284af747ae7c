package cluster

import (
	"strings"

	"github.com/nats-io/nats.go"
)

// This file carries the rooms' events between nodes: each node publishes
// the events of its own rooms on its subject, and every node relays the
// others' to its own event streams, so that a subscriber on any node sees
// every node's events, each once. Webhooks are not relayed: each node
// sends those of its own rooms, so each is sent once.

// eventsSubject is the subject node publishes its rooms' events on.
func eventsSubject(node string) string { return "parley.node." + node + ".events" }

// allEvents matches every node's events subject.
const allEvents = "parley.node.*.events"

// nodeOfEvents returns the node an events subject names.
func nodeOfEvents(subject string) string {
	node, _ := strings.CutPrefix(subject, "parley.node.")
	node, _ = strings.CutSuffix(node, ".events")
	return node
}

// PublishEvent sends event, one of this node's room events (JSON), to the
// other nodes. It does not wait for the network: NATS buffers it, also
// while reconnecting; one it cannot take is dropped (logged), since
// events are a live view and the state they report is the API's to tell.
func (c *Cluster) PublishEvent(event []byte) {
	if err := c.nc.Publish(eventsSubject(c.opts.Self.Name), event); err != nil {
		c.log.Debug("cluster: an event was not sent to the other nodes", "err", err.Error())
	}
}

// Events calls deliver with every event another node publishes (not this
// node's own), in the order each node sent them, until stop is called.
// deliver runs on the subscription's goroutine and must not block.
func (c *Cluster) Events(deliver func(node string, event []byte)) (stop func(), err error) {
	self := eventsSubject(c.opts.Self.Name)
	sub, err := c.nc.Subscribe(allEvents, func(m *nats.Msg) {
		if m.Subject != self {
			deliver(nodeOfEvents(m.Subject), m.Data)
		}
	})
	if err != nil {
		return nil, err
	}
	// Lift the pending limits' default (65536 messages): a burst of
	// talking events from many rooms is dropped by the subscribers that
	// lag, not here.
	_ = sub.SetPendingLimits(-1, 64<<20)
	return func() { _ = sub.Unsubscribe() }, nil
}
