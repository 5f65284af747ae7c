package api

import "time"

// MaxScheduledParticipants is the longest participant list a scheduled
// conference may have.
const MaxScheduledParticipants = 500

// ScheduledParticipant is one person a scheduled conference calls out to
// at its start: in a request, and as the API shows it.
type ScheduledParticipant struct {
	// Target is the dial target as typed: an extension, a phone number,
	// #sip: or sip: (DESIGN.md, "Dial targets"). Required; it must parse
	// (dialplan.ParseTarget).
	Target string `json:"target"`
	// Role is the role they join with: owner, moderator, presenter,
	// attendee or spectator. A request may leave it out for attendee; the
	// API always shows it.
	Role string `json:"role"`
	// Name is the name shown for them; empty means none.
	Name string `json:"name,omitempty"`
}

// ScheduleRequest is the body of POST /api/v1/rooms/{number}/schedules.
type ScheduleRequest struct {
	// Start is when the conference begins and the participants are
	// called: RFC 3339 with an offset ("2026-03-02T09:00:00+01:00").
	// Required; at most a minute in the past.
	Start string `json:"start"`
	// End is when it ends and everyone is hung up (with a warning a
	// minute before): RFC 3339, after Start. Required.
	End string `json:"end"`
	// TimeZone is the IANA name the conference is planned in
	// ("Europe/London"); the answer shows the times in it. Empty is UTC.
	TimeZone string `json:"time_zone,omitempty"`
	// Participants are the people to call out to at Start, in order; at
	// most MaxScheduledParticipants, no target twice.
	Participants []ScheduledParticipant `json:"participants,omitempty"`
}

// SchedulePatch is the body of PATCH
// /api/v1/rooms/{number}/schedules/{id}: the fields given change, the
// others stay. Participants replaces the whole list, and is refused with
// 409 once the conference has started.
type SchedulePatch struct {
	// Start, if set, is the new start (RFC 3339), at most a minute in the
	// past.
	Start *string `json:"start,omitempty"`
	// End, if set, is the new end (RFC 3339), after the start.
	End *string `json:"end,omitempty"`
	// TimeZone, if set, is the new IANA time zone; "" is UTC.
	TimeZone *string `json:"time_zone,omitempty"`
	// Participants, if set, replace the participant list.
	Participants *[]ScheduledParticipant `json:"participants,omitempty"`
}

// Schedule is a scheduled conference as the API shows it. Times are in
// the schedule's time zone.
type Schedule struct {
	// ID identifies the schedule within the API.
	ID string `json:"id"`
	// Room is the number of the room the conference takes place in.
	Room string `json:"room"`
	// Start is when the conference begins.
	Start time.Time `json:"start"`
	// End is when it ends.
	End time.Time `json:"end"`
	// TimeZone is the IANA name of the zone the times are shown in.
	TimeZone string `json:"time_zone"`
	// Participants are the people called out to at the start.
	Participants []ScheduledParticipant `json:"participants"`
	// StartedAt is when the conference actually started; absent until
	// then. From then on the participant list cannot change.
	StartedAt *time.Time `json:"started_at,omitempty"`
	// EndedAt is when it actually ended; absent until then.
	EndedAt *time.Time `json:"ended_at,omitempty"`
}

// Visit is one entry of GET /api/v1/rooms/{number}/attendance: one
// participant's stay in the room, from joining to leaving. Someone who
// leaves and comes back has two visits.
type Visit struct {
	// ParticipantID is the participant's ID in the room during the visit.
	ParticipantID string `json:"participant_id"`
	// Name is the name shown for them.
	Name string `json:"name"`
	// Role is their role, the last one they had.
	Role string `json:"role"`
	// Via is the protocol that carried them: "sip" or "webrtc".
	Via string `json:"via"`
	// Source is how they came: "extension", "number", "sip_address",
	// "guest_link", "group_link", "browser" or "dial_in"; empty when the
	// edge did not say.
	Source string `json:"source"`
	// Address is where they came from: the extension, the phone number,
	// the #sip: address or the link ID; empty when unknown.
	Address string `json:"address"`
	// Email is their email address, when known (from a guest link).
	Email string `json:"email"`
	// JoinedAt is when they joined.
	JoinedAt time.Time `json:"joined_at"`
	// LeftAt is when they left; absent while they are in.
	LeftAt *time.Time `json:"left_at,omitempty"`
	// DurationSeconds is how long they stayed, in whole seconds; for
	// someone still in, so far.
	DurationSeconds int64 `json:"duration_seconds"`
	// Quality is the call quality of a SIP visit when it ended; absent when
	// not measured.
	Quality *CallQuality `json:"quality,omitempty"`
}
