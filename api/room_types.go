package api

import (
	"time"

	"github.com/parleyhq/parley/rules"
)

// Room is a room as GET /api/v1/rooms and GET /api/v1/rooms/{number} show
// it: its settings (from the store, as the bridge serves them) and its
// live state.
type Room struct {
	// Number is what callers dial; digits.
	Number string `json:"number"`
	// Name is the room's display name.
	Name string `json:"name"`
	// PIN is the attendee PIN; omitted when there is none, and for tokens
	// that may not see it (attendee tokens).
	PIN string `json:"pin,omitempty"`
	// ModeratorPIN is the moderator PIN; omitted as PIN is.
	ModeratorPIN string `json:"moderator_pin,omitempty"`
	// Owner is the extension that owns the room; empty means none.
	Owner string `json:"owner,omitempty"`
	// Organizer is the login of the signed-in user who made the room, who
	// sees and moderates it like its owner; empty for rooms made with an
	// admin token or in the config file.
	Organizer string `json:"organizer,omitempty"`
	// Members are the extensions that belong to the room.
	Members []string `json:"members"`
	// Quota is how many active participants the room takes before
	// newcomers are spectators; 0 means no quota.
	Quota int `json:"quota"`
	// Capacity is the hard limit of participants; 0 means none.
	Capacity int `json:"capacity"`
	// GuestAccess lets browser guests in from links.
	GuestAccess bool `json:"guest_access"`
	// GuestRole is the role guests join with.
	GuestRole string `json:"guest_role"`
	// GuestWait is how long guests wait for a host, as a Go duration
	// ("10m0s", the default for config and API rooms alike); "0s", written
	// so, also means 10 minutes.
	GuestWait string `json:"guest_wait"`
	// CallerID is presented on calls out of the room; empty uses the
	// trunk's.
	CallerID string `json:"caller_id,omitempty"`
	// Locked reports whether the room is locked now. The lock is kept in
	// the store and holds across a restart; a room that empties opens
	// again.
	Locked bool `json:"locked"`
	// ConfigOwned marks a room from the config file, read-only here.
	ConfigOwned bool `json:"config_owned"`
	// Participants is how many people are in the room now.
	Participants int `json:"participants"`
}

// RoomRequest is the body of POST /api/v1/rooms. The rest have the
// defaults a room in the config file has. A signed-in user's room is owned
// by the user's extension and records the user as its organizer.
type RoomRequest struct {
	// Number is what callers dial: 1 to 32 digits, unique, and no
	// extension's number; empty takes GET /api/v1/rooms/suggested-number.
	Number string `json:"number"`
	// Name is the display name, at most 200 bytes.
	Name string `json:"name,omitempty"`
	// PIN is the attendee PIN, 1 to 32 digits; empty means none.
	PIN string `json:"pin,omitempty"`
	// ModeratorPIN lets a caller in as moderator; 1 to 32 digits, not equal
	// to PIN.
	ModeratorPIN string `json:"moderator_pin,omitempty"`
	// Owner is the extension that owns the room; 1 to 32 digits. Only
	// admins and operators may name another extension than their own; a
	// user's room is owned by the user's extension (none: empty).
	Owner string `json:"owner,omitempty"`
	// Members are extensions that belong to the room; 1 to 32 digits each,
	// no repeats.
	Members []string `json:"members,omitempty"`
	// Quota is how many active participants the room takes; 0 means no
	// quota. At most Capacity when Capacity is set.
	Quota int `json:"quota,omitempty"`
	// Capacity is the hard limit of participants; 0 means none.
	Capacity int `json:"capacity,omitempty"`
	// GuestAccess lets browser guests in from links; default false.
	GuestAccess bool `json:"guest_access,omitempty"`
	// GuestRole is the role guests join with: owner, moderator, presenter,
	// attendee (the default) or spectator.
	GuestRole string `json:"guest_role,omitempty"`
	// GuestWait is how long guests wait for a host, a Go duration such as
	// "10m" or "45s"; default 10m, at most MaxGuestWait.
	GuestWait string `json:"guest_wait,omitempty"`
	// CallerID is presented on calls out of the room: E.164 or digits.
	CallerID string `json:"caller_id,omitempty"`
}

// RoomPatch is the body of PATCH /api/v1/rooms/{number}: the fields given
// change, the others stay. Locked acts on the live room and is allowed on
// config-owned rooms; any other field makes the request a change of
// settings, which config-owned rooms refuse (403).
type RoomPatch struct {
	// Name, if set, is the new display name.
	Name *string `json:"name,omitempty"`
	// PIN, if set, is the new attendee PIN; "" removes it.
	PIN *string `json:"pin,omitempty"`
	// ModeratorPIN, if set, is the new moderator PIN; "" removes it.
	ModeratorPIN *string `json:"moderator_pin,omitempty"`
	// Owner, if set, is the new owner; "" means none.
	Owner *string `json:"owner,omitempty"`
	// Members, if set, replace the members.
	Members *[]string `json:"members,omitempty"`
	// Quota, if set, is the new quota.
	Quota *int `json:"quota,omitempty"`
	// Capacity, if set, is the new capacity.
	Capacity *int `json:"capacity,omitempty"`
	// GuestAccess, if set, opens or closes the room to browser guests.
	GuestAccess *bool `json:"guest_access,omitempty"`
	// GuestRole, if set, is the new guest role.
	GuestRole *string `json:"guest_role,omitempty"`
	// GuestWait, if set, is the new guest wait ("10m", "45s").
	GuestWait *string `json:"guest_wait,omitempty"`
	// CallerID, if set, is the new caller ID; "" means the trunk's.
	CallerID *string `json:"caller_id,omitempty"`
	// Locked, if set, locks or unlocks the room at once.
	Locked *bool `json:"locked,omitempty"`
}

// MaxGuestWait is the longest guest_wait a room may have.
const MaxGuestWait = rules.MaxGuestWait

// TokenRequest is the body of POST /api/v1/rooms/{number}/tokens.
type TokenRequest struct {
	// Role is what the token may do in the room: "moderator" (moderate) or
	// "attendee" (read). Required.
	Role string `json:"role"`
	// Label says what the token is for.
	Label string `json:"label,omitempty"`
	// ExpiresIn is the token's lifetime in seconds. 0 or absent means it
	// never expires when an admin token mints it, and the server's token
	// TTL (api.token_ttl) when a room token does, which may ask for at most
	// api.token_max_ttl.
	ExpiresIn int64 `json:"expires_in,omitempty"`
	// Extension is the extension number the token speaks for. An
	// attendee token of an extension in the operators group may invite
	// and call people out while that extension is in the conference.
	Extension string `json:"extension,omitempty"`
}

// NewToken is the 201 answer to a token request: the only time the secret
// is shown. Parley keeps only its SHA-256.
type NewToken struct {
	// ID identifies the token, to revoke it.
	ID string `json:"id"`
	// Token is the secret: 32 random bytes, base64url without padding.
	// Send it as Authorization: Bearer TOKEN.
	Token string `json:"token"`
	// Role is "moderator" or "attendee".
	Role string `json:"role"`
	// Room is the room's number.
	Room string `json:"room"`
	// Label is the token's label.
	Label string `json:"label,omitempty"`
	// Extension is the extension the token speaks for, if any.
	Extension string `json:"extension,omitempty"`
	// ExpiresAt is when the token stops working; absent means never.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// Token is one entry of GET /api/v1/rooms/{number}/tokens: a token
// without its secret.
type Token struct {
	// ID identifies the token.
	ID string `json:"id"`
	// Role is "moderator" or "attendee".
	Role string `json:"role"`
	// Room is the room's number.
	Room string `json:"room"`
	// Label is the token's label.
	Label string `json:"label,omitempty"`
	// Extension is the extension the token speaks for, if any.
	Extension string `json:"extension,omitempty"`
	// CreatedAt is when the token was minted.
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt is when the token stops working; absent means never.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// Expired reports whether the token no longer works.
	Expired bool `json:"expired"`
}

// MuteAllRequest is the optional body of POST
// /api/v1/rooms/{number}/mute-all.
type MuteAllRequest struct {
	// Except is the ID of a participant to leave unmuted, usually the
	// speaker; empty mutes everyone.
	Except string `json:"except,omitempty"`
}

// MuteAllResponse answers POST /api/v1/rooms/{number}/mute-all.
type MuteAllResponse struct {
	// Muted are the IDs of the participants muted.
	Muted []string `json:"muted"`
}
