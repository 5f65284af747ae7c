package sip

import (
	"log/slog"
	"net"
	"strconv"

	gosip "github.com/emiago/sipgo/sip"
)

// RoomRouter is the cluster's say on a new call (package cluster
// implements it): a call for a room another node serves goes there.
type RoomRouter interface {
	// RouteCall returns the HOST:PORT of the node a new call for room
	// must be redirected to, or "" to take it here; then done, which must
	// not block, is called once when the call is over.
	RouteCall(room string) (redirect string, done func())
}

// route asks Options.Cluster where a new call for room goes. It returns
// ok false when it answered the INVITE with 302 Moved Temporarily, whose
// Contact is sip:ROOM@redirect (RFC 3261 §21.3.3, §8.1.3.4: the caller
// sends a new INVITE there); else done, to call when the call is over
// (nil without a cluster).
func (s *Server) route(req *gosip.Request, tx gosip.ServerTransaction, room string, log *slog.Logger) (done func(), ok bool) {
	if s.opts.Cluster == nil {
		return nil, true
	}
	target, done := s.opts.Cluster.RouteCall(room)
	if target == "" {
		return done, true
	}
	host, portText, err := net.SplitHostPort(target)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil {
		log.Error("call refused: the room's node has a bad sip address", "node_sip", target)
		respond(tx, req, gosip.StatusServiceUnavailable, "Service Unavailable")
		return nil, false
	}
	res := gosip.NewResponseFromRequest(req, gosip.StatusMovedTemporarily, "Moved Temporarily", nil)
	res.AppendHeader(&gosip.ContactHeader{Address: gosip.Uri{Scheme: "sip", User: room, Host: host, Port: port}})
	log.Info("call redirected", "to", target)
	_ = tx.Respond(res)
	return nil, false
}
