package bridge

// Feed fans out events that did not happen in this bridge (the rooms of a
// cluster's other nodes) to subscribers, as the bridge does its own: in
// order, never blocking the publisher, a lagging subscriber losing the
// excess. Its zero value is ready to use; it is safe for concurrent use.
type Feed struct {
	events events
}

// Publish hands e to every subscriber without blocking.
func (f *Feed) Publish(e Event) { f.events.publish(e) }

// Subscribe returns a subscription to the feed. Close it when done.
func (f *Feed) Subscribe() *Subscription { return f.events.subscribe() }
