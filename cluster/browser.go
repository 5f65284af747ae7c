package cluster

import (
	"context"
	"net/url"
	"strings"
)

// This file answers the join page: a browser guest joins its room on the
// node that owns it, at the HTTP address that node's heartbeat announces.

// NodeFor returns the http(s) URL of the node that owns room when that is
// another node that announces one, else "": the guest joins here (no
// owner yet, this node's, or NATS unreachable, as for a SIP call). A
// draining node sends the guest of a room nobody holds to the node a SIP
// call for it would be sent to (Successor).
func (c *Cluster) NodeFor(room string) string {
	owner, held, err := c.Owner(room)
	if err != nil {
		return ""
	}
	if !held {
		if !c.Draining() {
			return ""
		}
		n, _ := c.Successor(room)
		return n.HTTP
	}
	if owner.Name == c.opts.Self.Name {
		return ""
	}
	return owner.HTTP
}

// NodeOrigins returns the origins (scheme://host[:port], lower case) of
// the HTTP addresses the live nodes announce, this one's included; none
// while NATS is unreachable.
func (c *Cluster) NodeOrigins() []string {
	members, err := c.Members(context.Background())
	if err != nil {
		return nil
	}
	var out []string
	for _, m := range members {
		if o, ok := originOf(m.HTTP); ok {
			out = append(out, o)
		}
	}
	return out
}

// originOf is the scheme://host[:port] of an http(s) URL, lower case.
func originOf(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), true
}
