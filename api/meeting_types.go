package api

// MaxMeetingParticipants is the longest participant list POST
// /api/v1/meetings takes.
const MaxMeetingParticipants = MaxScheduledParticipants

// MeetingRequest is the body of POST /api/v1/meetings: a room, its
// optional schedule and its participants, made all together or not at
// all.
type MeetingRequest struct {
	// Room is the room to make, as for POST /api/v1/rooms; an empty number
	// takes the suggested one.
	Room RoomRequest `json:"room"`
	// Schedule, if set, makes it a scheduled meeting: the participants
	// with an extension or a number are called at the start, and the
	// invitations carry a calendar request.
	Schedule *MeetingSchedule `json:"schedule,omitempty"`
	// Participants are the people invited, at most
	// MaxMeetingParticipants.
	Participants []MeetingParticipant `json:"participants,omitempty"`
}

// MeetingSchedule is when a scheduled meeting takes place.
type MeetingSchedule struct {
	// Start is when it begins: RFC 3339 with an offset, or a local time
	// "2026-03-02T09:00" in TimeZone. Required; at most a minute ago.
	Start string `json:"start"`
	// End is when it ends (same forms as Start); or give DurationMinutes.
	End string `json:"end,omitempty"`
	// DurationMinutes is how long it lasts, 1 to 1440, when End is not
	// given; neither: 60.
	DurationMinutes int `json:"duration_minutes,omitempty"`
	// TimeZone is the IANA zone it is planned in ("Europe/Paris"); empty
	// is UTC.
	TimeZone string `json:"time_zone,omitempty"`
}

// The kinds of meeting participants.
const (
	// ParticipantUser is a directory user: Value is their login, and
	// Extension and Email (from the directory) say how to reach them.
	ParticipantUser = "user"
	// ParticipantExtension is an extension number: a member of the room,
	// called on its registered devices at a scheduled start.
	ParticipantExtension = "extension"
	// ParticipantNumber is a phone number or #sip: address, called at a
	// scheduled start.
	ParticipantNumber = "number"
	// ParticipantEmail is an email address: a personal guest link is
	// mailed to it.
	ParticipantEmail = "email"
)

// MeetingParticipant is one person of a meeting.
type MeetingParticipant struct {
	// Kind is user, extension, number or email. Required.
	Kind string `json:"kind"`
	// Value is the login, extension, number or email address. Required.
	Value string `json:"value"`
	// Name is the name shown for them; for an email participant, the
	// name on the personal link (default: the address).
	Name string `json:"name,omitempty"`
	// Role is their role: owner, moderator, presenter, attendee (the
	// default) or spectator.
	Role string `json:"role,omitempty"`
	// Extension is a directory user's extension, if any (kind user).
	Extension string `json:"extension,omitempty"`
	// Email is a directory user's email address, if any (kind user).
	Email string `json:"email,omitempty"`
	// Language is the language of their invitation; empty is the default.
	Language string `json:"language,omitempty"`
}

// Meeting answers POST /api/v1/meetings: what was made.
type Meeting struct {
	// Room is the room made.
	Room Room `json:"room"`
	// Schedule is its scheduled conference; absent when not scheduled.
	Schedule *Schedule `json:"schedule,omitempty"`
	// Links are the personal guest links mailed to the participants with
	// an email address, with the invitations sent (an invitation the mail
	// server refused shows its error: resend it).
	Links []Link `json:"links"`
}
