package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/store"
	"github.com/parleyhq/parley/webrtc"
)

// Guests runs browser guests' calls: *webrtc.Server.
type Guests interface {
	// Handle runs one guest's call over conn and returns when it ends; see
	// (*webrtc.Server).Handle.
	Handle(ctx context.Context, conn webrtc.Signaller, join webrtc.JoinRequest) error
}

// refusalTimeout bounds how long the one "error" message to a refused
// WebSocket may take to go out.
const refusalTimeout = 5 * time.Second

// The join WebSocket's keep-alive: a ping every wsPingInterval, and the
// socket is closed when its pong takes longer than wsPongTimeout.
const (
	wsPingInterval = 30 * time.Second
	wsPongTimeout  = 10 * time.Second
)

// socket serves GET /join/{token}/ws?name=NAME: it judges the link as the
// page does, checks the name, upgrades to a WebSocket (coder/websocket,
// which refuses cross-origin handshakes) and runs the guest's call on the
// request's goroutine until it ends. The guest joins the link's room with
// the link's role, as a guest_link or group_link participant; in a
// cluster, a room another node serves sends the guest there (cluster.go).
func (h *Handler) socket(w http.ResponseWriter, r *http.Request) {
	v := h.judge(r)
	if h.guests == nil {
		http.Error(w, v.lang.T(i18n.PageNotReady, nil), http.StatusNotImplemented)
		return
	}
	refusal, status := v.message, v.status
	name, ok := guestName(r.URL.Query().Get("name"))
	if !ok && name == "" && v.link.Kind == store.LinkGuest && v.status == http.StatusOK {
		name, ok = guestName(v.link.Name) // a guest link knows its guest
	}
	if status == http.StatusOK && !ok {
		refusal, status = v.lang.T(i18n.PageEnterName, nil), http.StatusBadRequest
	}
	if status != http.StatusOK && !isWebSocket(r) {
		http.Error(w, refusal, status)
		return
	}
	if status == http.StatusOK && h.toNode(w, r, v.link.Room) {
		return
	}
	// A call outlives the server's ReadTimeout and WriteTimeout: lift them
	// for this connection (net/http's Hijacker contract lets them stay on
	// it; today's net/http clears them, but says not to rely on it); pings
	// keep it alive instead.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	conn, err := websocket.Accept(w, r, h.acceptOptions(r))
	if err != nil {
		return // Accept has answered the handshake with an error status
	}
	defer conn.CloseNow()
	sig := localised{Signaller: webrtc.WebSocket(conn), lang: v.lang}
	if status != http.StatusOK {
		ctx, cancel := context.WithTimeout(r.Context(), refusalTimeout)
		defer cancel()
		_ = sig.WriteJSON(ctx, webrtc.Message{Type: webrtc.TypeError, Error: refusal})
		_ = conn.Close(websocket.StatusPolicyViolation, "")
		return
	}
	var pinger sync.WaitGroup
	defer pinger.Wait()
	ctx, stop := context.WithCancel(r.Context())
	defer stop()
	pinger.Add(1)
	go func() {
		defer pinger.Done()
		keepAlive(ctx, conn, h.pingInterval, wsPongTimeout)
	}()
	source := "group_link"
	if v.link.Kind == store.LinkGuest {
		source = "guest_link"
	}
	err = h.guests.Handle(ctx, sig, webrtc.JoinRequest{Room: v.link.Room, Name: name,
		Role: v.link.Role, LinkID: v.link.ID, Source: source, Email: v.link.Email})
	if err != nil && !errors.Is(err, context.Canceled) {
		h.log.Debug("browser guest call ended", "room", v.link.Room, "link", v.link.ID, "err", err)
	}
	_ = conn.Close(websocket.StatusNormalClosure, "")
}

// keepAlive pings conn every interval until ctx ends (RFC 6455 §5.5.2;
// browsers answer pings themselves). A pong that does not come within
// timeout closes conn, which ends the guest's call: a browser that went
// away without closing (a laptop shut, a network gone) does not hold it.
func keepAlive(ctx context.Context, conn *websocket.Conn, interval, timeout time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		pctx, cancel := context.WithTimeout(ctx, timeout)
		err := conn.Ping(pctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				_ = conn.CloseNow()
			}
			return
		}
	}
}

// isWebSocket reports whether r asks to upgrade to a WebSocket (RFC 6455
// §4.1).
func isWebSocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}
