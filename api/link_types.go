package api

import "time"

// MaxImportRows is the most guests one CSV import may carry.
const MaxImportRows = 5000

// MaxImportBody is the largest CSV body POST …/links/import reads; past it
// the answer is 413.
const MaxImportBody = 4 << 20

// LinkRequest is the body of POST /api/v1/rooms/{number}/links.
type LinkRequest struct {
	// Kind is "guest" (one person, whose name is pre-filled on the join
	// page) or "group" (many people, each asked for a name). Required.
	Kind string `json:"kind"`
	// Name is the guest's name (required for guest links) or the group
	// link's name.
	Name string `json:"name,omitempty"`
	// Email is the guest's email address, for invitations; guest links
	// only. Required with send_email.
	Email string `json:"email,omitempty"`
	// Phone is the guest's phone number, for SMS invitations: E.164
	// (+447911123456) or national digits; guest links only. Required with
	// send_sms.
	Phone string `json:"phone,omitempty"`
	// Role is the role the link grants: owner, moderator, presenter,
	// attendee or spectator; empty is the room's guest role.
	Role string `json:"role,omitempty"`
	// Language is the language of the join page and invitations, one of
	// the languages Parley speaks ("en", "fr", …); empty is the default.
	Language string `json:"language,omitempty"`
	// Description is shown on a group link's join page.
	Description string `json:"description,omitempty"`
	// Active, if set to false, makes the link admit nobody until it is
	// switched on; default true.
	Active *bool `json:"active,omitempty"`
	// ValidFrom is when the link starts to admit: RFC 3339 with an offset
	// ("2026-03-02T09:00:00+01:00"); empty means at once.
	ValidFrom string `json:"valid_from,omitempty"`
	// ValidUntil is when the link stops admitting: RFC 3339 with an
	// offset, after ValidFrom and not in the past; empty means never.
	ValidUntil string `json:"valid_until,omitempty"`
	// SendEmail mails the invitation to Email once the link is made; it
	// needs a configured mailer (else 503, and no link is made).
	SendEmail bool `json:"send_email,omitempty"`
	// SendSMS texts the link to Phone once the link is made; it needs a
	// configured SMS gateway (else 503, and no link is made).
	SendSMS bool `json:"send_sms,omitempty"`
}

// LinkPatch is the body of PATCH /api/v1/rooms/{number}/links/{id}: the
// fields given change, the others stay. An invitation cannot be edited:
// email, phone and language are refused, and so is the name of a guest
// link (delete the link and create a new one). A role change applies at
// once to everyone in the room who came by the link; no_access removes
// them.
type LinkPatch struct {
	// Active, if set, switches the link on or off.
	Active *bool `json:"active,omitempty"`
	// ValidFrom, if set, is the new start (RFC 3339); "" means at once.
	ValidFrom *string `json:"valid_from,omitempty"`
	// ValidUntil, if set, is the new end (RFC 3339); "" means never.
	ValidUntil *string `json:"valid_until,omitempty"`
	// ExpireNow sets valid_until to now: the link stops admitting at once.
	// It cannot be combined with valid_until.
	ExpireNow bool `json:"expire_now,omitempty"`
	// Role, if set, is the new role; it applies at once to those in the
	// room who came by the link, and no_access removes them.
	Role *string `json:"role,omitempty"`
	// Name, if set, renames a group link; refused for guest links.
	Name *string `json:"name,omitempty"`
	// Description, if set, is the new description of a group link.
	Description *string `json:"description,omitempty"`
	// Email is refused: an invitation cannot be edited.
	Email *string `json:"email,omitempty"`
	// Phone is refused: an invitation cannot be edited.
	Phone *string `json:"phone,omitempty"`
	// Language is refused: an invitation cannot be edited.
	Language *string `json:"language,omitempty"`
}

// Link is a guest or group link as the API shows it.
type Link struct {
	// ID identifies the link within the API.
	ID string `json:"id"`
	// Room is the number of the room the link admits to.
	Room string `json:"room"`
	// Kind is "guest" or "group".
	Kind string `json:"kind"`
	// Token is the secret part of URL.
	Token string `json:"token"`
	// URL is the join page: PUBLIC_URL/join/TOKEN.
	URL string `json:"url"`
	// Name is the guest's name or the group link's name.
	Name string `json:"name"`
	// Email is the guest's email address; empty when none.
	Email string `json:"email"`
	// Phone is the guest's phone number; empty when none.
	Phone string `json:"phone"`
	// Language is the link's language; empty is the default.
	Language string `json:"language"`
	// Description is shown on a group link's join page.
	Description string `json:"description"`
	// Role is the role the link grants.
	Role string `json:"role"`
	// Active reports whether the link is switched on.
	Active bool `json:"active"`
	// ValidFrom is when the link starts to admit; absent means at once.
	ValidFrom *time.Time `json:"valid_from,omitempty"`
	// ValidUntil is when the link stops admitting; absent means never.
	ValidUntil *time.Time `json:"valid_until,omitempty"`
	// State is what the link does now (rules.LinkState): "valid",
	// "inactive", "no_access", "expired", "not_yet_valid" or "no_guests".
	State string `json:"state"`
	// CreatedAt is when the link was made.
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when it last changed.
	UpdatedAt time.Time `json:"updated_at"`
	// Invitations are the invitations this request sent (create, resend);
	// absent when it sent none.
	Invitations []SentInvitation `json:"invitations,omitempty"`
}

// SentInvitation is the outcome of one invitation sent by email or SMS.
type SentInvitation struct {
	// LinkID is the link the invitation is for.
	LinkID string `json:"link_id"`
	// Channel is "email" or "sms".
	Channel string `json:"channel"`
	// To is the address or number it went to.
	To string `json:"to"`
	// Sent reports whether the mail server or SMS gateway took it.
	Sent bool `json:"sent"`
	// Error says why it was not sent; absent when it was.
	Error string `json:"error,omitempty"`

	err error // the sender's error, for the status of a resend
}

// ResendResponse is the answer to POST …/links/{id}/resend.
type ResendResponse struct {
	// Invitations are the invitations sent again, one per channel.
	Invitations []SentInvitation `json:"invitations"`
}

// ImportResponse is the 201 answer to POST …/links/import.
type ImportResponse struct {
	// Imported is how many guest links were made.
	Imported int `json:"imported"`
	// Links are the links made, in the order of the file.
	Links []Link `json:"links"`
	// Invitations are the emails sent with ?send_email=true; absent
	// otherwise.
	Invitations []SentInvitation `json:"invitations,omitempty"`
}

// RowError is one bad row of a CSV import.
type RowError struct {
	// Line is the row's line number in the file, the header being line 1.
	Line int `json:"line"`
	// Field is the column at fault, when one is.
	Field string `json:"field,omitempty"`
	// Error says what is wrong with the row.
	Error string `json:"error"`
}

// JoinInfo is GET …/join-info?format=json: what to paste into a message,
// and the parts it is made of.
type JoinInfo struct {
	// Room is the room's number; absent for tokens that may not see PINs.
	Room string `json:"room,omitempty"`
	// RoomName is the room's display name.
	RoomName string `json:"room_name"`
	// Link is the join link: the requested link's, else the room's guest
	// link when guest access is on; absent when there is none.
	Link string `json:"link,omitempty"`
	// PIN is the PIN to type after dialling in; absent when there is none
	// or the token may not see it.
	PIN string `json:"pin,omitempty"`
	// DialIn are the numbers to call in on.
	DialIn []DialInNumber `json:"dial_in"`
	// SIPURI is the room's SIP address, sip:ROOM@HOST, for SIP phones and
	// apps; absent without sip.domain or a public address, and for tokens
	// that may not see PINs.
	SIPURI string `json:"sip_uri,omitempty"`
	// Language is the language the text is in.
	Language string `json:"language"`
	// Text is the whole message, ready to paste.
	Text string `json:"text"`
}

// DialInNumber is a number to call in on, from the config's dial_in.
type DialInNumber struct {
	// Number is the number to dial, as shown.
	Number string `json:"number"`
	// Label says what the number is for, such as "UK" or "internal".
	Label string `json:"label,omitempty"`
}

// ContactRequest is the body of POST /api/v1/contacts.
type ContactRequest struct {
	// Owner is the extension whose own contact this is; empty makes a
	// global contact.
	Owner string `json:"owner,omitempty"`
	// Name is what people dial or search for; unique per owner ignoring
	// case, and not itself a dial target. Required.
	Name string `json:"name"`
	// Target is what is dialled: an extension, a phone number, #sip:,
	// sip: or #h323: (DESIGN.md, "Dial targets"). Required.
	Target string `json:"target"`
}

// Contact is an address book entry as the API shows it.
type Contact struct {
	// ID identifies the contact.
	ID string `json:"id"`
	// Owner is the extension whose contact it is; absent for a global one.
	Owner string `json:"owner,omitempty"`
	// Name is the contact's name.
	Name string `json:"name"`
	// Target is the dial target.
	Target string `json:"target"`
	// Kind is the target's form: "extension", "number", "sip-direct",
	// "sip-uri" or "h323".
	Kind string `json:"kind"`
	// CreatedAt is when the contact was stored.
	CreatedAt time.Time `json:"created_at"`
}
