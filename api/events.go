package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/parleyhq/parley/bridge"
)

// eventWriteTimeout bounds the write of one event or ping to a client.
const eventWriteTimeout = 10 * time.Second

// EventFeed is a source of events besides the bridge: those of a
// cluster's other nodes (Options.RemoteEvents).
type EventFeed interface {
	// Subscribe returns a subscription to the feed's events; the stream
	// closes it when it ends.
	Subscribe() *bridge.Subscription
}

// eventsAPI serves the bridge's event stream.
type eventsAPI struct {
	shared
	done         <-chan struct{} // Options.Done: closes every stream
	pingInterval time.Duration   // between WebSocket pings
	remote       EventFeed       // Options.RemoteEvents, or nil
}

// events serves GET /api/v1/events: a WebSocket (RFC 6455) that streams
// the bridge's events (bridge.Event) as JSON text messages. A room token
// sees its own room's events; an admin sees every room's, or one room's
// with ?room=; a signed-in user names a room it hosts with ?room=, and
// an operator may follow every room's. The server pings every pingInterval; client messages are
// not expected (a data message closes the stream with 1008). The handler
// returns when the client goes, the request's context ends, or Options.Done
// closes (status 1001, going away).
func (s *eventsAPI) events(w http.ResponseWriter, r *http.Request) error {
	p := principalOf(r)
	q := r.URL.Query()
	for k := range q {
		if k != "room" && k != "token" {
			return &Error{Status: http.StatusBadRequest, Field: k, Message: "unknown query parameter " + k + ": want room and token"}
		}
	}
	if s.bridge == nil {
		return errNoBridge
	}
	room := q.Get("room")
	switch {
	case p.login != "" && !p.admin && !p.operator && p.room == "":
		return &Error{Status: http.StatusForbidden, Field: "room", Message: "name the room whose events you follow: ?room=NUMBER"}
	case !p.admin && room != "" && room != p.room:
		return &Error{Status: http.StatusForbidden, Field: "room", Message: "this token is for room " + p.room + ", not room " + room}
	case !p.admin:
		room = p.room
	case room != "":
		if _, err := s.bridge.Room(room); err != nil {
			if errors.Is(err, bridge.ErrUnknownRoom) {
				return &Error{Status: http.StatusNotFound, Field: "room", Message: err.Error()}
			}
			return err
		}
	}
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		w.Header().Set("Upgrade", "websocket")
		return &Error{Status: http.StatusUpgradeRequired, Field: "Upgrade",
			Message: "GET /api/v1/events is a WebSocket: connect with Upgrade: websocket"}
	}
	// Subscribe before the handshake, so that an event that happens once
	// the client has its answer is not missed.
	sub := s.bridge.Subscribe()
	defer sub.Close()
	var remote <-chan bridge.Event // stays nil (never ready) on a single node
	remoteDropped := func() int { return 0 }
	if s.remote != nil {
		rs := s.remote.Subscribe()
		defer rs.Close()
		remote, remoteDropped = rs.C, rs.Dropped
	}
	// The stream lives longer than the server's ReadTimeout and
	// WriteTimeout allow a request: lift them for this connection
	// (net/http's Hijacker contract lets them stay on it; today's net/http
	// clears them, but says not to rely on it); pings keep it alive.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return nil // Accept has answered the client
	}
	defer c.CloseNow()
	// The read side only answers pings and the close handshake; its context
	// is not the request's, so that a shutdown can still close cleanly.
	gone := c.CloseRead(context.Background())
	ping := time.NewTicker(s.pingInterval)
	defer ping.Stop()
	s.log.Info("api event stream opened", "room", room, "by", p.String(), "remote", r.RemoteAddr)
	defer s.log.Info("api event stream closed", "room", room, "by", p.String(), "remote", r.RemoteAddr,
		"dropped", sub.Dropped()+remoteDropped())
	for {
		select {
		case <-gone.Done():
			return nil
		case <-r.Context().Done():
			_ = c.Close(websocket.StatusGoingAway, "request ended")
			return nil
		case <-s.done:
			_ = c.Close(websocket.StatusGoingAway, "parley is shutting down")
			return nil
		case <-ping.C:
			ctx, cancel := context.WithTimeout(gone, eventWriteTimeout)
			err := c.Ping(ctx)
			cancel()
			if err != nil {
				return nil
			}
		case ev, ok := <-sub.C:
			if !ok || !sendEvent(gone, c, room, ev) {
				return nil
			}
		case ev, ok := <-remote:
			if !ok || !sendEvent(gone, c, room, ev) {
				return nil
			}
		}
	}
}

// sendEvent writes ev to the stream c unless room names another room; it
// reports false when the stream is gone.
func sendEvent(ctx context.Context, c *websocket.Conn, room string, ev bridge.Event) bool {
	if room != "" && ev.Room != room {
		return true
	}
	data, err := json.Marshal(ev)
	if err != nil {
		return false // cannot happen: Event has only plain fields
	}
	ctx, cancel := context.WithTimeout(ctx, eventWriteTimeout)
	defer cancel()
	return c.Write(ctx, websocket.MessageText, data) == nil
}
