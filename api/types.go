package api

import "time"

// MaxBody is the largest request body the API reads; past it the answer is
// 413.
const MaxBody = 64 << 10

// MaxRingTimeout is the longest ring_timeout a dial request may ask for.
const MaxRingTimeout = 10 * time.Minute

// DialRequest is the body of POST /api/v1/rooms/{number}/dial.
type DialRequest struct {
	// To is the target as typed: an extension, a phone number, #sip:,
	// sip: or #h323: (DESIGN.md, "Dial targets"), or the name of a
	// contact in the address book, whose target is called. Required.
	To string `json:"to"`
	// Name, if set, is the callee's display name in the participant
	// list and the attendance; empty takes the contact's name, else the
	// extension's configured name, else To.
	Name string `json:"name,omitempty"`
	// Role is the role the callee joins with; empty is attendee; not
	// no_access.
	Role string `json:"role,omitempty"`
	// CallerID, if set, is presented instead of the room's or trunk's:
	// E.164 or digits.
	CallerID string `json:"caller_id,omitempty"`
	// RingTimeout is how long the call rings, in seconds; 0 is the
	// bridge's default (45 s), at most MaxRingTimeout.
	RingTimeout float64 `json:"ring_timeout,omitempty"`
}

// RouteInfo is how a target is reached.
type RouteInfo struct {
	// Via is "extension", "trunk", "direct" or "h323".
	Via string `json:"via"`
	// Trunk names the trunk that carries the call when Via is "trunk".
	Trunk string `json:"trunk,omitempty"`
	// Destination is the SIP URI invited, or "registered contacts of N".
	Destination string `json:"destination"`
	// CallerID is the caller ID presented; empty means none.
	CallerID string `json:"caller_id,omitempty"`
}

// DialResponse is the 202 answer to a dial request. The CLI's
// `parley dial --wait --json` prints the same shape with the final Status,
// Code and Reason.
type DialResponse struct {
	// ParticipantID is the ID the callee has, or will have, in the room;
	// follow the call at GET …/participants/{participant_id}.
	ParticipantID string `json:"participant_id"`
	// Status is "ringing" when the call has just been placed.
	Status string `json:"status"`
	// Code is the SIP status that ended the call, once it has ended.
	Code int `json:"code,omitempty"`
	// Reason says how the call ended, once it has.
	Reason string `json:"reason,omitempty"`
	// Route is how the target was routed.
	Route RouteInfo `json:"route"`
	// Contact is the address book entry called, when "to" was a contact's
	// name rather than a dial target.
	Contact string `json:"contact,omitempty"`
}

// Participant is one entry of GET …/participants: someone in the room, or
// a call out that is not in it (still ringing, or failed).
type Participant struct {
	// ID identifies the participant within the room.
	ID string `json:"id"`
	// Name is the display name; for a call out, the target as dialled.
	Name string `json:"name"`
	// Role is the participant's role.
	Role string `json:"role"`
	// Muted reports whether the participant is muted.
	Muted bool `json:"muted"`
	// Via names the edge that carries the call: "sip", "webrtc".
	Via string `json:"via"`
	// Talking reports whether the participant is talking now.
	Talking bool `json:"talking"`
	// Status is set for calls out: "ringing", "answered", "busy",
	// "declined", "not_found", "no_answer" or "failed". It is empty for
	// participants who called in.
	Status string `json:"status,omitempty"`
	// Code is the SIP status that ended a call out (200 when answered, 486
	// when busy); 0 while ringing or when no response came.
	Code int `json:"code,omitempty"`
	// Reason says how a call out ended.
	Reason string `json:"reason,omitempty"`
	// Quality is the call quality of a SIP participant, once RTCP has
	// measured some; absent otherwise.
	Quality *CallQuality `json:"quality,omitempty"`
}

// ParticipantPatch is the body of PATCH …/participants/{id}. Fields left
// out are not changed; the changes act at once.
type ParticipantPatch struct {
	// Role, if set, is the new role; "no_access" hangs up and removes.
	Role *string `json:"role,omitempty"`
	// Muted, if set, mutes or unmutes.
	Muted *bool `json:"muted,omitempty"`
}

// RouteResponse is the answer to GET …/route: what a dial would do, without
// calling.
type RouteResponse struct {
	// Allowed reports whether a dial to the target would be placed.
	Allowed bool `json:"allowed"`
	// Target is the target in canonical form.
	Target string `json:"target"`
	// Kind is the target's form: "extension", "number", "sip-direct",
	// "sip-uri" or "h323".
	Kind string `json:"kind"`
	// Route is the decision; empty fields when refused before one was made.
	Route RouteInfo `json:"route"`
	// Explain has one line per decision of the router.
	Explain []string `json:"explain"`
	// Error says why the dial would be refused, when Allowed is false.
	Error string `json:"error,omitempty"`
	// Contact is the address book entry looked up, when "to" was a
	// contact's name rather than a dial target.
	Contact string `json:"contact,omitempty"`
}
