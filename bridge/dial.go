package bridge

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/dialplan"
)

// DialStatus is where a call out stands.
type DialStatus string

// The states of a call out. Every failure has its own status so that the
// API, the CLI and the log can say what happened.
const (
	// DialRinging: the call is being placed and has not been answered yet.
	DialRinging DialStatus = "ringing"
	// DialAnswered: the callee answered and joined the room.
	DialAnswered DialStatus = "answered"
	// DialBusy: 486 Busy Here or 600 Busy Everywhere.
	DialBusy DialStatus = "busy"
	// DialDeclined: 603 Decline.
	DialDeclined DialStatus = "declined"
	// DialNotFound: 404 Not Found, 604, or an extension with no registered device.
	DialNotFound DialStatus = "not_found"
	// DialNoAnswer: the ring timeout passed, or 408/480 came back.
	DialNoAnswer DialStatus = "no_answer"
	// DialFailed: any other failure (5xx, transport, unauthorised trunk).
	DialFailed DialStatus = "failed"
)

// DialError is how a Dialer reports a call that was not answered.
type DialError struct {
	// Status classifies the failure.
	Status DialStatus
	// Code is the SIP status that ended the attempt; 0 when none came.
	Code int
	// Reason says what happened, for logs and the API.
	Reason string
}

func (e *DialError) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("%s (%d %s)", e.Status, e.Code, e.Reason)
	}
	return fmt.Sprintf("%s (%s)", e.Status, e.Reason)
}

// Outbound is a call for a Dialer to place.
type Outbound struct {
	// Route says where: the destination URI, or an extension's devices.
	Route dialplan.Route
	// Room is the room the callee will join.
	Room RoomSettings
	// OnProgress, if set, is told of provisional responses (180, 183).
	OnProgress func(code int)
	// ContactAddr, if set, vets each address the Dialer finds itself (a
	// registered device of an extension, "host:port") and returns the
	// address to send to instead (dialplan.Router.ContactAddr); a device it refuses
	// is not rung.
	ContactAddr func(ctx context.Context, hostport string) (netip.AddrPort, error)
}

// Dialer places calls out. The SIP edge implements it.
type Dialer interface {
	// Dial places the call and blocks until it is answered, fails, or ctx
	// ends (the ring timeout), returning the answered leg or an error,
	// which is a *DialError for a call that was not answered.
	Dial(ctx context.Context, call Outbound) (Leg, error)
}

// ErrNoDialer means the bridge has no way to place calls.
var ErrNoDialer = errors.New("dial-out is not available")

// DialRequest is a moderator's request to call someone into a room.
type DialRequest struct {
	// To is the target as typed: extension, number, #sip:, sip: URI.
	To string
	// Name, if set, is the callee's display name (a scheduled
	// participant's or an address-book contact's); empty takes the
	// extension's configured name, else the target as typed.
	Name string
	// Role is the role the callee joins with; empty is RoleAttendee.
	Role Role
	// CallerID, if set, is presented instead of the room's or trunk's.
	CallerID string
	// RingTimeout bounds the ringing; zero means DefaultRingTimeout.
	RingTimeout time.Duration
}

// DefaultRingTimeout is how long a call out rings before it counts as no
// answer.
const DefaultRingTimeout = 45 * time.Second

// Dial is one call out of a room, from request to answer or failure.
type Dial struct {
	// ParticipantID is the ID the callee gets in the room.
	ParticipantID string
	// Route is how the target was routed.
	Route dialplan.Route
	// Name is the callee's display name: the participant's, the
	// attendance's and the events'.
	Name string
	// Role is the role the callee joins with.
	Role Role

	mu     sync.Mutex
	status DialStatus // guarded by mu
	code   int        // guarded by mu
	reason string     // guarded by mu
	done   chan struct{}
}

// Status returns the dial's state, the SIP code that ended it (if any)
// and a reason.
func (d *Dial) Status() (DialStatus, int, string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.status, d.code, d.reason
}

// Done is closed when the dial has been answered or has failed.
func (d *Dial) Done() <-chan struct{} { return d.done }

func (d *Dial) finish(status DialStatus, code int, reason string) {
	d.mu.Lock()
	d.status, d.code, d.reason = status, code, reason
	d.mu.Unlock()
	close(d.done)
}

// Dial calls req.To into room roomNumber. It parses and routes the target
// at once, so a bad target (dialplan.ErrBadTarget), a number no trunk
// allows (dialplan.ErrNotAllowed), an extension with no registered device
// (dialplan.ErrNotRegistered), a role no one joins with (ErrBadRole) and a
// callee the room could not admit now (ErrLocked, ErrFull: calls out still
// ringing count as the seats they will take) are refused before anything
// rings, and so is every dial while the bridge drains (ErrDraining); then
// it places the call in the background and returns the Dial to follow it.
func (b *Bridge) Dial(roomNumber string, req DialRequest) (*Dial, error) {
	if b.Draining() {
		return nil, ErrDraining
	}
	room, err := b.Room(roomNumber)
	if err != nil {
		return nil, err
	}
	role, err := ParseDialRole(string(req.Role))
	if err != nil {
		return nil, err
	}
	target, err := dialplan.ParseTarget(req.To)
	if err != nil {
		return nil, err
	}
	settings := room.Settings()
	router := b.router.Load() // one router for the route and the fork rule, whatever a reload does
	route, err := router.Route(b.ctx, target, req.CallerID, settings.CallerID)
	if err != nil {
		room.log.Info("dial refused", "to", req.To, "reason", err.Error())
		return nil, err
	}
	if b.dialer == nil {
		return nil, ErrNoDialer
	}
	timeout := req.RingTimeout
	if timeout <= 0 {
		timeout = DefaultRingTimeout
	}
	room.mu.Lock()
	if room.closed {
		room.mu.Unlock()
		return nil, ErrClosed
	}
	if err := room.admitsDial(role); err != nil {
		room.mu.Unlock()
		room.log.Info("dial refused", "to", req.To, "reason", err.Error())
		return nil, err
	}
	name := dialName(req.Name, route, req.To)
	d := &Dial{ParticipantID: room.newID(), Route: route, Name: name, Role: role, status: DialRinging, done: make(chan struct{})}
	room.dials[d.ParticipantID] = d
	room.forgetOldDials()
	room.mu.Unlock()
	b.events.publish(Event{Type: EventDial, Room: room.number, Participant: d.ParticipantID, Name: name, Status: DialRinging})
	room.log.Info("dialling", "participant", d.ParticipantID, "to", req.To, "name", name, "via", route.Via,
		"trunk", route.Trunk, "destination", route.Destination, "caller_id", route.CallerID, "role", string(role))

	b.dialWG.Add(1)
	go func() {
		defer b.dialWG.Done()
		ctx, cancel := context.WithTimeout(b.ctx, timeout)
		defer cancel()
		leg, err := b.dialer.Dial(ctx, Outbound{Route: route, Room: settings, ContactAddr: router.ContactAddr})
		if err != nil {
			var de *DialError
			if !errors.As(err, &de) {
				de = &DialError{Status: DialFailed, Reason: err.Error()}
			}
			if errors.Is(ctx.Err(), context.DeadlineExceeded) && de.Code == 0 {
				de = &DialError{Status: DialNoAnswer, Reason: fmt.Sprintf("no answer within %v", timeout)}
			}
			room.log.Info("dial failed", "participant", d.ParticipantID, "to", req.To, "status", string(de.Status),
				"code", de.Code, "reason", de.Reason)
			d.finish(de.Status, de.Code, de.Reason)
			b.events.publish(Event{Type: EventDial, Room: room.number, Participant: d.ParticipantID, Name: name, Status: de.Status, Code: de.Code})
			return
		}
		join := JoinOptions{Name: name, Role: role, Via: viaOf(route), ID: d.ParticipantID, Source: sourceOf(route), Address: req.To}
		if route.Via == dialplan.ViaExtension {
			join.Extension = route.Target.Number
		}
		if _, err := room.Join(leg, join); err != nil {
			leg.Hangup(err.Error())
			room.log.Info("dial failed", "participant", d.ParticipantID, "to", req.To, "status", string(DialFailed), "reason", err.Error())
			d.finish(DialFailed, 0, err.Error())
			b.events.publish(Event{Type: EventDial, Room: room.number, Participant: d.ParticipantID, Name: name, Status: DialFailed})
			return
		}
		room.log.Info("dial answered", "participant", d.ParticipantID, "to", req.To)
		d.finish(DialAnswered, 200, "answered")
		b.events.publish(Event{Type: EventDial, Room: room.number, Participant: d.ParticipantID, Name: name, Status: DialAnswered, Code: 200})
	}()
	return d, nil
}

// Dial returns the call out that reserved participant ID id, if any.
func (r *Room) Dial(id string) (*Dial, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, ok := r.dials[id]
	return d, ok
}

// Route routes a dial target for room roomNumber without calling, for
// `parley route` and the API: the Route's Explain says why.
func (b *Bridge) Route(roomNumber, to, callerID string) (dialplan.Route, error) {
	roomCallerID := ""
	if roomNumber != "" {
		room, err := b.Room(roomNumber)
		if err != nil {
			return dialplan.Route{}, err
		}
		roomCallerID = room.Settings().CallerID
	}
	target, err := dialplan.ParseTarget(to)
	if err != nil {
		return dialplan.Route{}, err
	}
	return b.router.Load().Route(b.ctx, target, callerID, roomCallerID)
}

// DialerFunc adapts a function to a Dialer, as http.HandlerFunc does.
type DialerFunc func(ctx context.Context, call Outbound) (Leg, error)

// Dial calls f.
func (f DialerFunc) Dial(ctx context.Context, call Outbound) (Leg, error) { return f(ctx, call) }

// dialName is a callee's display name: the one the request gives, else
// the extension's configured name, else the target as typed.
func dialName(given string, r dialplan.Route, to string) string {
	if n := strings.TrimSpace(given); n != "" {
		return n
	}
	if r.Name != "" {
		return r.Name
	}
	return to
}

// sourceOf says how a called-out participant came, for attendance.
func sourceOf(r dialplan.Route) string {
	switch {
	case r.Via == dialplan.ViaExtension:
		return "extension"
	case r.Via == dialplan.ViaTrunk:
		return "number"
	case r.Via == dialplan.ViaH323:
		return "h323_address"
	}
	return "sip_address"
}

// viaOf names the edge that carries a called-out participant.
func viaOf(r dialplan.Route) string {
	if r.Via == dialplan.ViaH323 {
		return "h323"
	}
	return "sip"
}
