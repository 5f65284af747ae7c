package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"time"

	"github.com/nats-io/nats.go"
)

// This file sets up cascades: a node that takes calls for a room another
// node owns joins that room as a cascade, exchanging one mixed RTP stream
// each way with the owner. The two nodes agree on the stream's addresses
// over NATS request/reply: the cascade node binds its RTP port first and
// sends its address (open); the owner binds one from its own range, joins
// the room with a leg that is the cascade node, and answers with its
// address. Each side accepts media only from the other's address. The
// cascade node says close when its room empties here. For a room's quota
// each node asks how many active callers the others have (active): a
// cascade node asks the owner for the whole room but itself (wide), the
// owner each of its cascade nodes for theirs. A conference ended on one
// node is ended on the others (end), and a mute all by a phone key done
// on the others (mute-all): a cascade node tells the owner, the owner its
// cascade nodes.

// cascadeSubject is the subject node listens on for cascade requests.
func cascadeSubject(node string) string { return "parley.node." + node + ".cascade" }

// cascadeNode is what a node name may be (config's rule: it names subjects).
var cascadeNode = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// cascadeTimeout bounds a cascade request: it runs while a call waits at
// its INVITE.
const cascadeTimeout = 2 * time.Second

// Cascade operations.
const (
	cascadeOpen    = "open"
	cascadeClose   = "close"
	cascadeActive  = "active"
	cascadeEnd     = "end"
	cascadeMuteAll = "mute-all"
)

// cascadeRequest is a cascade node's message to a room's owner.
type cascadeRequest struct {
	Op   string `json:"op"`             // cascadeOpen or cascadeClose
	Room string `json:"room"`           // the room number
	Node string `json:"node"`           // the cascade node's name
	Addr string `json:"addr,omitempty"` // open: the cascade node's RTP HOST:PORT
	Wide bool   `json:"wide,omitempty"` // active: the whole room's, but Node's
	Keep string `json:"keep,omitempty"` // mute-all: the participant left unmuted
}

// cascadeReply is the owner's answer.
type cascadeReply struct {
	Addr   string `json:"addr,omitempty"`   // open: the owner's RTP HOST:PORT
	Active int    `json:"active,omitempty"` // active: how many
	Error  string `json:"error,omitempty"`  // why the owner refused
}

// CascadeOwner is the owner's side of cascades (cmd implements it).
type CascadeOwner interface {
	// OpenCascade joins room with a leg that is node, sending its mix to
	// and taking node's mix from addr only, and returns the owner's RTP
	// address for node to use. A link node already had for room is
	// replaced (node restarted its side).
	OpenCascade(room, node string, addr netip.AddrPort) (netip.AddrPort, error)
	// CloseCascade hangs up node's leg in room, if any.
	CloseCascade(room, node string)
	// Active returns how many active participants (neither spectators
	// nor links) room has on this node.
	Active(room string) int
	// ActiveBut returns how many active participants room, owned here,
	// has on this node and its other cascade nodes than node.
	ActiveBut(room, node string) int
	// EndRoom ends the conference in room here: node ended it.
	EndRoom(room, node string)
	// MuteAllRoom mutes everyone in room here but keep: node did.
	MuteAllRoom(room, node, keep string)
}

// ServeCascades answers the cascade requests other nodes send this one
// with owner, until the returned stop is called (before Close).
func (c *Cluster) ServeCascades(owner CascadeOwner) (stop func(), err error) {
	answer := func(m *nats.Msg) {
		reply := serveCascade(owner, m.Data)
		if data, err := json.Marshal(reply); err == nil {
			_ = m.Respond(data)
		}
	}
	sub, err := c.nc.Subscribe(cascadeSubject(c.opts.Self.Name), func(m *nats.Msg) {
		var op struct{ Op string }
		if json.Unmarshal(m.Data, &op) == nil && op.Op == cascadeActive {
			go answer(m) // a wide count asks other nodes: not on the subscription's goroutine
			return
		}
		answer(m)
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: subscribe: %w", err)
	}
	// The server knows the subscription once Flush returns, so an open
	// sent by another node right after finds it (this node's heartbeat is
	// out already); while NATS is unreachable it is sent on reconnect.
	_ = c.nc.Flush()
	return func() { _ = sub.Unsubscribe() }, nil
}

// serveCascade decodes one cascade request and carries it out.
func serveCascade(owner CascadeOwner, data []byte) cascadeReply {
	var req cascadeRequest
	if err := json.Unmarshal(data, &req); err != nil {
		return cascadeReply{Error: "bad cascade request: " + err.Error()}
	}
	if !roomKey.MatchString(req.Room) || !cascadeNode.MatchString(req.Node) {
		return cascadeReply{Error: fmt.Sprintf("bad cascade request: room %q, node %q", req.Room, req.Node)}
	}
	switch req.Op {
	case cascadeOpen:
		addr, err := netip.ParseAddrPort(req.Addr)
		if err != nil || addr.Port() == 0 || addr.Addr().IsUnspecified() {
			return cascadeReply{Error: fmt.Sprintf("bad cascade request: address %q", req.Addr)}
		}
		local, err := owner.OpenCascade(req.Room, req.Node, addr)
		if err != nil {
			return cascadeReply{Error: err.Error()}
		}
		return cascadeReply{Addr: local.String()}
	case cascadeClose:
		owner.CloseCascade(req.Room, req.Node)
		return cascadeReply{}
	case cascadeEnd:
		owner.EndRoom(req.Room, req.Node)
		return cascadeReply{}
	case cascadeMuteAll:
		owner.MuteAllRoom(req.Room, req.Node, req.Keep)
		return cascadeReply{}
	case cascadeActive:
		if req.Wide {
			return cascadeReply{Active: owner.ActiveBut(req.Room, req.Node)}
		}
		return cascadeReply{Active: owner.Active(req.Room)}
	}
	return cascadeReply{Error: fmt.Sprintf("bad cascade request: op %q", req.Op)}
}

// OpenCascade asks owner to link room with this node's RTP address addr,
// and returns the owner's RTP address.
func (c *Cluster) OpenCascade(ctx context.Context, owner Node, room string, addr netip.AddrPort) (netip.AddrPort, error) {
	rep, err := c.cascadeCall(ctx, owner, cascadeRequest{Op: cascadeOpen, Room: room, Node: c.opts.Self.Name, Addr: addr.String()})
	if err != nil {
		return netip.AddrPort{}, err
	}
	remote, err := netip.ParseAddrPort(rep.Addr)
	if err != nil || remote.Port() == 0 {
		return netip.AddrPort{}, fmt.Errorf("cluster: cascade to %s: bad address %q in its answer", owner.Name, rep.Addr)
	}
	return remote, nil
}

// CloseCascade tells owner that this node left room: it hangs up the
// cascade's leg there.
func (c *Cluster) CloseCascade(ctx context.Context, owner Node, room string) error {
	_, err := c.cascadeCall(ctx, owner, cascadeRequest{Op: cascadeClose, Room: room, Node: c.opts.Self.Name})
	return err
}

// CascadeActive asks node how many active participants room has there
// (Active) or, wide, on the whole room but this node (ActiveBut: node is
// the room's owner).
func (c *Cluster) CascadeActive(ctx context.Context, node, room string, wide bool) (int, error) {
	rep, err := c.cascadeCall(ctx, Node{Name: node}, cascadeRequest{Op: cascadeActive, Room: room, Node: c.opts.Self.Name, Wide: wide})
	return rep.Active, err
}

// EndCascade tells node, the owner of room or one of its cascade nodes,
// that the conference in room ended here.
func (c *Cluster) EndCascade(ctx context.Context, node, room string) error {
	_, err := c.cascadeCall(ctx, Node{Name: node}, cascadeRequest{Op: cascadeEnd, Room: room, Node: c.opts.Self.Name})
	return err
}

// MuteAllCascade tells node, the owner of room or one of its cascade
// nodes, that everyone in room but keep was muted here.
func (c *Cluster) MuteAllCascade(ctx context.Context, node, room, keep string) error {
	_, err := c.cascadeCall(ctx, Node{Name: node}, cascadeRequest{Op: cascadeMuteAll, Room: room, Node: c.opts.Self.Name, Keep: keep})
	return err
}

// cascadeCall sends req to owner and returns its answer.
func (c *Cluster) cascadeCall(ctx context.Context, owner Node, req cascadeRequest) (cascadeReply, error) {
	if !c.nc.IsConnected() {
		return cascadeReply{}, ErrUnreachable
	}
	data, err := json.Marshal(req)
	if err != nil {
		return cascadeReply{}, fmt.Errorf("cluster: cascade: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, cascadeTimeout)
	defer cancel()
	m, err := c.nc.RequestWithContext(ctx, cascadeSubject(owner.Name), data)
	if err != nil {
		return cascadeReply{}, fmt.Errorf("cluster: cascade %s to %s: %w", req.Op, owner.Name, err)
	}
	var rep cascadeReply
	if err := json.Unmarshal(m.Data, &rep); err != nil {
		return cascadeReply{}, fmt.Errorf("cluster: cascade %s to %s: %w", req.Op, owner.Name, err)
	}
	if rep.Error != "" {
		return cascadeReply{}, fmt.Errorf("cluster: cascade %s to %s: %w", req.Op, owner.Name, errors.New(rep.Error))
	}
	return rep, nil
}
