package rules

import "time"

// LinkState is what a guest or group link does at a given moment: admit
// (LinkValid), or why not. The values are those the API shows in a link's
// "state" and the join page explains.
type LinkState string

// The states of a link, in the order Link.State tests them.
const (
	// LinkInactive: the link is switched off.
	LinkInactive LinkState = "inactive"
	// LinkNoAccess: the link's role is no_access; it admits nobody.
	LinkNoAccess LinkState = "no_access"
	// LinkExpired: the link's validity ended; it will not admit again
	// unless it is extended.
	LinkExpired LinkState = "expired"
	// LinkNotYetValid: the link's validity has not begun.
	LinkNotYetValid LinkState = "not_yet_valid"
	// LinkNoGuests: a group link in a room whose guest access is off; it
	// admits again when guest access is turned on.
	LinkNoGuests LinkState = "no_guests"
	// LinkValid: the link admits now.
	LinkValid LinkState = "valid"
)

// Link is what decides whether a link admits: package store's Link,
// reduced to the fields that matter.
type Link struct {
	// Active switches the link on and off.
	Active bool
	// NoAccess is set when the link's role is no_access.
	NoAccess bool
	// ValidFrom is when the link starts to admit; nil means at once.
	ValidFrom *time.Time
	// ValidUntil is when the link stops admitting; nil means never.
	ValidUntil *time.Time
	// NoGuests is set for a group link in a room whose guest access is
	// off (a guest link names its guest, and admits regardless).
	NoGuests bool
}

// State says what l does at now. Switched off or no_access wins over the
// validity window, an end in the past wins over a start in the future
// (so "expire now" on a link that has not opened yet says expired), and
// the window wins over the room's guest access (what the link itself
// says comes first). The
// window is half-open: the link admits from ValidFrom, included, until
// ValidUntil, excluded.
func (l Link) State(now time.Time) LinkState {
	switch {
	case !l.Active:
		return LinkInactive
	case l.NoAccess:
		return LinkNoAccess
	case l.ValidUntil != nil && !now.Before(*l.ValidUntil):
		return LinkExpired
	case l.ValidFrom != nil && now.Before(*l.ValidFrom):
		return LinkNotYetValid
	case l.NoGuests:
		return LinkNoGuests
	}
	return LinkValid
}
