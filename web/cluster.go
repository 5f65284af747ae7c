package web

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// This file sends a browser guest to the node of a cluster that serves the
// link's room: the join socket answers with one "node" message naming the
// owner's socket, and the page opens its socket there; the owner accepts
// it although the page came from another node.

// Nodes is the cluster's say on a browser join (cmd/parley answers it
// from package cluster); nil for a single node.
type Nodes interface {
	// NodeFor returns the http(s) URL of the node that serves room when
	// that is another node, else "" (the guest joins here).
	NodeFor(room string) string
	// NodeOrigins returns the origins (scheme://host[:port], lower case)
	// of the live nodes' HTTP addresses: a join page one of them served
	// may open its socket on any.
	NodeOrigins() []string
}

// TypeNode is the join socket's message (server to browser, the first and
// only) that sends the guest to another node: it opens its socket at URL
// (an http(s) URL of that node's GET /join/TOKEN/ws) instead.
const TypeNode = "node"

// nodeMessage is a TypeNode message.
type nodeMessage struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// toNode answers a join socket for a room node serves with the socket's
// address there and closes it; it reports false, having done nothing,
// when the room is this node's.
func (h *Handler) toNode(w http.ResponseWriter, r *http.Request, room string) bool {
	if h.nodes == nil {
		return false
	}
	node := h.nodes.NodeFor(room)
	if node == "" {
		return false
	}
	conn, err := websocket.Accept(w, r, h.acceptOptions(r))
	if err != nil {
		return true // Accept has answered the handshake with an error status
	}
	defer conn.CloseNow()
	ctx, cancel := context.WithTimeout(r.Context(), refusalTimeout)
	defer cancel()
	to := strings.TrimRight(node, "/") + r.URL.Path
	if wsjson.Write(ctx, conn, nodeMessage{Type: TypeNode, URL: to}) == nil {
		h.log.Info("browser guest sent to the room's node", "room", room, "node", node)
	}
	_ = conn.Close(websocket.StatusNormalClosure, "")
	return true
}

// acceptOptions are the join socket's handshake options: a socket opened
// by a page another live node served (which sent the guest here) is
// accepted as one of this node's own pages; any other origin is checked
// as usual (the request's host only).
func (h *Handler) acceptOptions(r *http.Request) *websocket.AcceptOptions {
	origin := strings.ToLower(r.Header.Get("Origin"))
	if h.nodes == nil || origin == "" || !slices.Contains(h.nodes.NodeOrigins(), origin) {
		return nil
	}
	return &websocket.AcceptOptions{InsecureSkipVerify: true} // the origin is checked: a node's
}

// nodeHosts are the host[:port]s of the live nodes, whose join sockets a
// join page may open (its content security policy); none for a single
// node.
func (h *Handler) nodeHosts() []string {
	if h.nodes == nil {
		return nil
	}
	var out []string
	for _, o := range h.nodes.NodeOrigins() {
		if _, host, ok := strings.Cut(o, "://"); ok {
			out = append(out, host)
		}
	}
	return out
}
