package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/notify"
	"github.com/parleyhq/parley/rules"
	"github.com/parleyhq/parley/store"
)

// Mailer sends email invitations: *notify.Mailer, or a fake in tests.
type Mailer interface {
	// Send mails inv; it returns once the mail server has taken it, or
	// why it did not. It is called on the request's goroutine.
	Send(ctx context.Context, inv notify.Invitation) error
}

// SMS sends text messages through the admin's SMS gateway: the notify SMS
// sender, or a fake in tests.
type SMS interface {
	// Send texts text to the phone number to. An invalid number is
	// refused with an error wrapping notify.ErrBadNumber, before any
	// request to the gateway.
	Send(ctx context.Context, to, text string) error
}

// errNoMailer answers a request to send email when no mailer is configured.
var errNoMailer = &Error{Status: http.StatusServiceUnavailable, Field: "send_email",
	Message: "email is not configured: set smtp in the config file"}

// errNoSMS answers a request to send SMS when no gateway is configured.
var errNoSMS = &Error{Status: http.StatusServiceUnavailable, Field: "send_sms",
	Message: "SMS is not configured: set sms in the config file"}

// sendTimeout bounds one invitation's delivery to the mail server or SMS
// gateway.
const sendTimeout = 30 * time.Second

// languages returns the languages Parley speaks (i18n.Languages).
func languages() []string { return i18n.Languages() }

// InvitationStore records the invitations sent for links: *store.DB.
type InvitationStore interface {
	// RecordInvitation notes an invitation sent, or tried, for a link.
	RecordInvitation(ctx context.Context, inv store.Invitation) (int64, error)
}

// ScheduleLister lists a room's scheduled conferences: *store.DB.
type ScheduleLister interface {
	// Schedules lists a room's scheduled conferences by start time.
	Schedules(ctx context.Context, room string) ([]store.Schedule, error)
}

// inviter mails and texts invitations to links, records each attempt,
// and makes the URLs and dial-in numbers they carry.
type inviter struct {
	shared
	linkURLs
	mailer    Mailer // nil: email is not configured
	sms       SMS    // nil: SMS is not configured
	records   InvitationStore
	links     LinkLister     // the room's guest link; nil: none
	schedules ScheduleLister // the next conference, for the calendar file
	dialIn    []DialInNumber
	sipHost   string // Options.SIPHost
}

// sipURI is the SIP address of room, sip:ROOM@SIPHost; "" without a SIP
// host.
func (s *inviter) sipURI(room string) string {
	if s.sipHost == "" {
		return ""
	}
	return "sip:" + room + "@" + s.sipHost
}

// linkURLs makes the URLs of links and invitations from the public URL.
type linkURLs struct {
	publicURL string // Options.PublicURL without a trailing slash
}

// invite mails (email) and texts (sms) the invitation for l, records each
// attempt in the store, and returns what happened. The sends outlive a
// client that goes away mid-request, so that an invitation is recorded
// whenever it was sent. The same link always gets the same calendar UID,
// "invitation-ID@HOST", so that a resend updates the calendar entry rather
// than adding one.
func (s *inviter) invite(r *http.Request, room *bridge.Room, l store.Link, email, sms bool) []SentInvitation {
	if !email && !sms {
		return nil
	}
	ctx := context.WithoutCancel(r.Context())
	set := room.Settings()
	personal := s.joinURL(r, l.Token)
	var out []SentInvitation
	if email {
		inv := notify.Invitation{To: l.Email, Name: l.Name, Language: l.Language, RoomName: roomLabel(set), RoomNumber: room.Number(),
			PIN: pinFor(set, bridge.Role(l.Role)), PersonalLink: personal, DialIn: s.notifyDialIn(), SIPURI: s.sipURI(room.Number()),
			UID: "invitation-" + strconv.FormatInt(l.ID, 10) + "@" + s.uidHost(r)}
		if guest := s.roomGuestLink(r, room); guest != personal {
			inv.GuestLink = guest
		}
		inv.Schedule = s.nextSchedule(ctx, room.Number())
		sctx, cancel := context.WithTimeout(ctx, sendTimeout)
		err := s.mailer.Send(sctx, inv)
		cancel()
		out = append(out, s.recordInvitation(ctx, l, store.ChannelEmail, l.Email, err))
	}
	if sms {
		sctx, cancel := context.WithTimeout(ctx, sendTimeout)
		err := s.sms.Send(sctx, l.Phone, notify.SMSText(l.Language, l.Name, roomLabel(set), personal, s.sipURI(room.Number())))
		cancel()
		out = append(out, s.recordInvitation(ctx, l, store.ChannelSMS, l.Phone, err))
	}
	return out
}

// recordInvitation stores one attempt to send an invitation and returns
// its outcome for the API.
func (s *inviter) recordInvitation(ctx context.Context, l store.Link, channel, to string, sendErr error) SentInvitation {
	out := SentInvitation{LinkID: strconv.FormatInt(l.ID, 10), Channel: channel, To: to, Sent: sendErr == nil, err: sendErr}
	if sendErr != nil {
		out.Error = sendErr.Error()
		s.log.Warn("api invitation not sent", "room", l.Room, "link", l.ID, "channel", channel, "err", sendErr)
	} else {
		s.log.Info("api invitation sent", "room", l.Room, "link", l.ID, "channel", channel)
	}
	if s.records == nil {
		return out
	}
	if _, err := s.records.RecordInvitation(ctx, store.Invitation{LinkID: l.ID, Room: l.Room, Channel: channel, To: to,
		SentAt: s.now(), Error: out.Error}); err != nil {
		s.log.Error("api invitation not recorded", "room", l.Room, "link", l.ID, "channel", channel, "err", err)
	}
	return out
}

// pinFor is the PIN someone invited with role types after dialling in:
// the moderator PIN for moderators when the room has one, else the
// attendee PIN.
func pinFor(set bridge.RoomSettings, role bridge.Role) string {
	if role.Moderates() && set.ModeratorPIN != "" {
		return set.ModeratorPIN
	}
	return set.PIN
}

// notifyDialIn is Options.DialIn in notify's form.
func (s *inviter) notifyDialIn() []notify.DialIn {
	out := make([]notify.DialIn, len(s.dialIn))
	for i, d := range s.dialIn {
		out[i] = notify.DialIn{Number: d.Number, Label: d.Label}
	}
	return out
}

// uidHost is the host part of invitation UIDs: the public URL's host, or
// the host the request came to.
func (s linkURLs) uidHost(r *http.Request) string {
	if u, err := url.Parse(s.baseURL(r)); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "parley.invalid"
}

// roomGuestLink is the room's guest link, which invitations and join info
// carry besides a personal link: the URL of the room's first group link
// (by ID) that admits now, while the room has guest access on; "" when
// there is none.
func (s *inviter) roomGuestLink(r *http.Request, room *bridge.Room) string {
	if !room.Settings().GuestAccess || s.links == nil {
		return ""
	}
	links, err := s.links.Links(r.Context(), room.Number())
	if err != nil {
		s.log.Warn("api links not read", "room", room.Number(), "err", err)
		return ""
	}
	now := s.now()
	for _, l := range links {
		if l.Kind == store.LinkGroup && linkState(l, now, true) == string(rules.LinkValid) {
			return s.joinURL(r, l.Token)
		}
	}
	return ""
}

// nextSchedule is the room's scheduled conference that has not ended,
// earliest first, for the invitation's calendar file; nil when there is
// none.
func (s *inviter) nextSchedule(ctx context.Context, room string) *notify.Schedule {
	if s.schedules == nil {
		return nil
	}
	list, err := s.schedules.Schedules(ctx, room)
	if err != nil {
		s.log.Warn("api schedules not read", "room", room, "err", err)
		return nil
	}
	now := s.now()
	for _, sc := range list {
		if sc.EndedAt == nil && sc.End.After(now) {
			return &notify.Schedule{Start: sc.Start, End: sc.End, TimeZone: sc.TimeZone}
		}
	}
	return nil
}

// roomLabel is the name invitations give a room: its name, else its
// number.
func roomLabel(set bridge.RoomSettings) string {
	if set.Name != "" {
		return set.Name
	}
	return set.Number
}
