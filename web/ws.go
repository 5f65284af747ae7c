package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
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

// socket serves GET /join/{token}/ws?name=NAME: it judges the link as the
// page does, checks the name, upgrades to a WebSocket (coder/websocket,
// which refuses cross-origin handshakes) and runs the guest's call on the
// request's goroutine until it ends. The guest joins the link's room with
// the link's role, as a guest_link or group_link participant.
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
	conn, err := websocket.Accept(w, r, nil)
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
	source := "group_link"
	if v.link.Kind == store.LinkGuest {
		source = "guest_link"
	}
	err = h.guests.Handle(r.Context(), sig, webrtc.JoinRequest{Room: v.link.Room, Name: name,
		Role: v.link.Role, LinkID: v.link.ID, Source: source, Email: v.link.Email})
	if err != nil && !errors.Is(err, context.Canceled) {
		h.log.Debug("browser guest call ended", "room", v.link.Room, "link", v.link.ID, "err", err)
	}
	_ = conn.Close(websocket.StatusNormalClosure, "")
}

// isWebSocket reports whether r asks to upgrade to a WebSocket (RFC 6455
// §4.1).
func isWebSocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}
