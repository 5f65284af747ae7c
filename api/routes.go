package api

import "net/http"

// endpoint is one route: a method and a path pattern (net/http.ServeMux
// syntax), who may call it and the handler. The route table (endpoints)
// is the one list of routes: the mux is built from it, authorisation reads
// it, and a test checks it against the OpenAPI document.
type endpoint struct {
	// Method is GET, POST, PATCH or DELETE.
	Method string
	// Path is the pattern, with {number} for a room and {id} for a
	// participant, token, schedule, link or contact.
	Path string
	// Access says who may call the route.
	Access access
	// Action completes "attendees may not …" and "only admin tokens may …"
	// in the 403 that refuses a token without the right.
	Action string
	// QueryToken lets the token come as ?token= (browsers cannot set
	// headers on a WebSocket).
	QueryToken bool
	// Invite marks inviting and calling out, which an operator's token may
	// do while its extension is in the conference (operatorHere).
	Invite bool

	h handlerFunc
}

// endpoints returns the route table.
func (s *server) endpoints() []endpoint {
	const room = "/api/v1/rooms/{number}"
	return []endpoint{
		{Method: "GET", Path: "/healthz", Access: accessPublic, h: s.health.healthz},
		{Method: "GET", Path: "/readyz", Access: accessPublic, h: s.health.readyz},
		{Method: "GET", Path: "/api/v1/openapi.json", Access: accessPublic, h: serveOpenAPI},
		{Method: "POST", Path: "/api/v1/session", Access: accessPublic, h: s.session.login},
		{Method: "GET", Path: "/api/v1/session", Access: accessPublic, h: s.session.whoami},
		{Method: "DELETE", Path: "/api/v1/session", Access: accessPublic, h: s.session.logout},
		{Method: "GET", Path: "/api/v1/events", Access: accessAny, QueryToken: true, h: s.events.events},

		{Method: "GET", Path: "/api/v1/rooms", Access: accessAny, h: s.rooms.listRooms},
		{Method: "POST", Path: "/api/v1/rooms", Access: accessUser, Action: "create rooms", h: s.rooms.createRoom},
		{Method: "GET", Path: "/api/v1/rooms/suggested-number", Access: accessUser, Action: "ask for a room number",
			h: s.rooms.suggestedNumber},
		{Method: "POST", Path: "/api/v1/meetings", Access: accessUser, Action: "create meetings", h: s.meetings.createMeeting},
		{Method: "GET", Path: room, Access: accessRead, h: s.rooms.getRoom},
		{Method: "PATCH", Path: room, Access: accessModerate, Action: "change or lock the room", h: s.rooms.patchRoom},
		{Method: "DELETE", Path: room, Access: accessAdmin, Action: "delete rooms", h: s.rooms.deleteRoom},

		{Method: "POST", Path: room + "/dial", Access: accessModerate, Action: "call people out", Invite: true, h: s.participants.dial},
		{Method: "GET", Path: room + "/route", Access: accessModerate, Action: "look up how calls out are routed", h: s.participants.route},
		{Method: "GET", Path: room + "/participants", Access: accessRead, h: s.participants.listParticipants},
		{Method: "GET", Path: room + "/participants/{id}", Access: accessRead, h: s.participants.getParticipant},
		{Method: "PATCH", Path: room + "/participants/{id}", Access: accessModerate,
			Action: "mute, unmute or change the role of participants", h: s.participants.patchParticipant},
		{Method: "DELETE", Path: room + "/participants/{id}", Access: accessModerate, Action: "remove participants", h: s.participants.deleteParticipant},
		{Method: "POST", Path: room + "/mute-all", Access: accessModerate, Action: "mute everyone", h: s.rooms.muteAll},
		{Method: "POST", Path: room + "/promote", Access: accessModerate, Action: "promote spectators", h: s.rooms.promote},

		{Method: "GET", Path: room + "/tokens", Access: accessModerate, Action: "list the room's tokens", h: s.tokens.listTokens},
		{Method: "POST", Path: room + "/tokens", Access: accessModerate, Action: "mint tokens", h: s.tokens.createToken},
		{Method: "DELETE", Path: room + "/tokens/{id}", Access: accessModerate, Action: "revoke tokens", h: s.tokens.deleteToken},

		{Method: "GET", Path: room + "/schedules", Access: accessRead, h: s.schedules.listSchedules},
		{Method: "POST", Path: room + "/schedules", Access: accessModerate, Action: "schedule conferences", h: s.schedules.createSchedule},
		{Method: "GET", Path: room + "/schedules/{id}", Access: accessRead, h: s.schedules.getSchedule},
		{Method: "PATCH", Path: room + "/schedules/{id}", Access: accessModerate, Action: "change scheduled conferences", h: s.schedules.patchSchedule},
		{Method: "DELETE", Path: room + "/schedules/{id}", Access: accessModerate, Action: "cancel scheduled conferences", h: s.schedules.deleteSchedule},

		{Method: "GET", Path: room + "/attendance", Access: accessModerate, Action: "read the attendance", h: s.attendance.attendance},
		{Method: "GET", Path: room + "/attendees", Access: accessModerate, Action: "read the attendance", h: s.attendance.attendees},
		{Method: "GET", Path: room + "/attendees.csv", Access: accessModerate, Action: "read the attendance", h: s.attendance.attendeesCSV},

		{Method: "GET", Path: room + "/links", Access: accessModerate, Action: "list the room's links", h: s.links.listLinks},
		{Method: "POST", Path: room + "/links", Access: accessModerate, Action: "make links", Invite: true, h: s.links.createLink},
		{Method: "POST", Path: room + "/links/import", Access: accessModerate, Action: "import guests", Invite: true, h: s.links.importLinks},
		{Method: "GET", Path: room + "/links/{id}", Access: accessModerate, Action: "read links", h: s.links.getLink},
		{Method: "PATCH", Path: room + "/links/{id}", Access: accessModerate, Action: "change links", h: s.links.patchLink},
		{Method: "DELETE", Path: room + "/links/{id}", Access: accessModerate, Action: "delete links", h: s.links.deleteLink},
		{Method: "POST", Path: room + "/links/{id}/resend", Access: accessModerate, Action: "send invitations", Invite: true, h: s.links.resendLink},
		{Method: "GET", Path: room + "/join-info", Access: accessRead, h: s.links.joinInfo},
		{Method: "POST", Path: room + "/console-login", Access: accessPublic, h: s.console.serve},

		{Method: "GET", Path: "/api/v1/contacts", Access: accessAdmin, Action: "read the address book", h: s.contacts.listContacts},
		{Method: "POST", Path: "/api/v1/contacts", Access: accessAdmin, Action: "add contacts", h: s.contacts.createContact},
		{Method: "DELETE", Path: "/api/v1/contacts/{id}", Access: accessAdmin, Action: "delete contacts", h: s.contacts.deleteContact},

		{Method: "GET", Path: "/api/v1/directory", Access: accessUser, Action: "search the directory", h: s.directory.search},

		{Method: "POST", Path: "/api/v1/reload", Access: accessAdmin, Action: "reload the config", h: s.reload.reload},
		{Method: "GET", Path: "/api/v1/drain", Access: accessAdmin, Action: "read the drain", h: s.drain.state},
		{Method: "POST", Path: "/api/v1/drain", Access: accessAdmin, Action: "drain the server", h: s.drain.start},
		{Method: "GET", Path: "/api/v1/trace", Access: accessAdmin, Action: "list SIP traces", h: s.trace.listTraces},
		{Method: "POST", Path: "/api/v1/trace", Access: accessAdmin, Action: "trace SIP messages", h: s.trace.startTrace},
		{Method: "DELETE", Path: "/api/v1/trace", Access: accessAdmin, Action: "stop SIP traces", h: s.trace.stopTraces},
		{Method: "DELETE", Path: "/api/v1/trace/rules/{id}", Access: accessAdmin, Action: "stop SIP traces", h: s.trace.stopTrace},
		{Method: "GET", Path: "/api/v1/trace/stream", Access: accessAdmin, Action: "follow SIP traces", h: s.trace.followTraces},
	}
}

// authenticate returns who r speaks for: its bearer token (auth.go), or,
// when it has none but a session cookie, the signed-in user (session.go),
// whose changes must carry the CSRF token.
func (s *server) authenticate(r *http.Request, query bool) (principal, error) {
	bearer := r.Header.Get("Authorization") != "" || (query && r.URL.Query().Has("token"))
	if !bearer && hasCookie(r) {
		return s.session.principal(r)
	}
	return s.auth.check(r, query)
}

// guard runs e's handler once the request's token may call e: it
// authenticates (auth.go), authorises (authz.go) and hands the handler
// the caller in the request's context.
func (s *server) guard(e endpoint) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if e.Access == accessPublic {
			return e.h(w, r)
		}
		p, err := s.authenticate(r, e.QueryToken)
		if err == nil {
			p, err = s.sessionRoom(p, sessionRoomNumber(r, e))
		}
		if err == nil {
			err = authorize(p, e, r.PathValue("number"))
			if err != nil && e.Invite && p.room == r.PathValue("number") && s.operatorHere(p, p.room) {
				err = nil // an operator in the conference may invite and call out
			}
		}
		if err != nil {
			if st := statusOf(err).Status; st == http.StatusUnauthorized || st == http.StatusForbidden {
				s.log.Warn("api request refused", "remote", r.RemoteAddr, "method", r.Method, "path", r.URL.Path,
					"reason", err.Error())
			}
			return err
		}
		return e.h(w, r.WithContext(withPrincipal(r.Context(), p)))
	}
}
