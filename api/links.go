package api

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/notify"
	"github.com/parleyhq/parley/rules"
	"github.com/parleyhq/parley/store"
)

// LinkStore keeps the guest and group links: *store.DB, whose methods
// have the contracts documented there.
type LinkStore interface {
	LinkLister
	// CreateLink stores a new guest or group link (store.ErrNotFound if
	// the room is not stored, store.ErrExists if the token is taken).
	CreateLink(ctx context.Context, l store.Link) (store.Link, error)
	// Link returns a link by ID (store.ErrNotFound).
	Link(ctx context.Context, id int64) (store.Link, error)
	// UpdateLink changes a link in one transaction (store.ErrNotFound).
	UpdateLink(ctx context.Context, id int64, update func(*store.Link) error) (store.Link, error)
	// DeleteLink deletes a link and its invitations (store.ErrNotFound).
	DeleteLink(ctx context.Context, id int64) error
	// ImportLinks stores links all or none (*store.ImportError names the
	// first refused).
	ImportLinks(ctx context.Context, links []store.Link) ([]store.Link, error)
}

// linksAPI serves a room's guest and group links, their import from CSV
// and their join info; the inviter it embeds mails and texts them.
type linksAPI struct {
	*inviter
	store        LinkStore // nil: 503
	phoneCountry string    // Options.PhoneCountry
}

// linkTokenBytes is how many random bytes a link's token has: 144 bits,
// 24 characters of base64url, above the 128 bits the issue asks for and
// store.MinLinkTokenBytes.
const linkTokenBytes = 18

// maxDescriptionLen is the longest group link description the API takes.
const maxDescriptionLen = 2000

// linkState says what l does at now in a room whose guest access is
// guestAccess: admit ("valid"), or why not (rules.LinkState, which the
// join page follows too).
func linkState(l store.Link, now time.Time, guestAccess bool) string {
	return string(rules.Link{Active: l.Active, NoAccess: l.Role == string(bridge.RoleNoAccess),
		ValidFrom: l.ValidFrom, ValidUntil: l.ValidUntil, NoGuests: l.Kind == store.LinkGroup && !guestAccess}.State(now))
}

// newLinkToken returns a fresh link token: linkTokenBytes random bytes in
// base64url without padding (RFC 4648 §5).
func newLinkToken() string {
	b := make([]byte, linkTokenBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// createLink serves POST /api/v1/rooms/{number}/links: it checks the
// request, makes the link and, if asked, mails or texts it, and answers
// 201 with the link and the invitations sent. Whether a mail or text
// could go out is checked first: without a mailer (or SMS gateway) the
// answer is 503 and no link is made. A mail that the server refuses does
// not undo the link: the answer is still 201, and the invitation shows
// the error (resend it later).
func (s *linksAPI) createLink(w http.ResponseWriter, r *http.Request) error {
	var req LinkRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	l, err := s.checkLinkRequest(req)
	if err != nil {
		return err
	}
	room, err := s.storedRoom(r, s.store != nil)
	if err != nil {
		return err
	}
	if l.Role == "" {
		l.Role = string(guestRole(room))
	}
	l.Room, l.Token = room.Number(), newLinkToken()
	l, err = s.store.CreateLink(r.Context(), l)
	if err != nil {
		return err
	}
	s.log.Info("api link created", "room", l.Room, "link", l.ID, "kind", l.Kind, "role", l.Role,
		"by", principalOf(r).String(), "remote", r.RemoteAddr)
	out := s.linkState(r, l)
	out.Invitations = s.invite(r, room, l, req.SendEmail, req.SendSMS)
	w.Header().Set("Location", linkPath(l))
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// checkLinkRequest checks everything in a create request that needs no
// stored state and returns the link to store, without room or token. Every
// error names its field.
func (s *linksAPI) checkLinkRequest(req LinkRequest) (store.Link, error) {
	bad := func(field, format string, args ...any) error {
		return &Error{Status: http.StatusBadRequest, Field: field, Message: fmt.Sprintf(format, args...)}
	}
	l := store.Link{Kind: req.Kind, Name: strings.TrimSpace(req.Name), Email: strings.TrimSpace(req.Email),
		Description: strings.TrimSpace(req.Description), Language: strings.TrimSpace(req.Language), Active: true}
	switch req.Kind {
	case store.LinkGuest, store.LinkGroup:
	case "":
		return l, bad("kind", "kind is required: guest (one person) or group (many people)")
	default:
		return l, bad("kind", "kind %q: want guest (one person) or group (many people)", req.Kind)
	}
	if err := checkText("name", l.Name, maxNameLen); err != nil {
		return l, err
	}
	if l.Kind == store.LinkGuest && l.Name == "" {
		return l, bad("name", "name is required for a guest link: the guest's name, pre-filled on the join page")
	}
	if err := checkText("description", l.Description, maxDescriptionLen); err != nil {
		return l, err
	}
	if l.Kind == store.LinkGroup {
		for _, f := range []struct{ name, value string }{{"email", req.Email}, {"phone", req.Phone}} {
			if f.value != "" {
				return l, bad(f.name, "a group link has no %s: invite a person with a guest link", f.name)
			}
		}
	}
	if l.Email != "" {
		if err := checkEmail("email", l.Email); err != nil {
			return l, err
		}
	}
	if req.Phone != "" {
		phone, err := checkPhone("phone", req.Phone, s.phoneCountry)
		if err != nil {
			return l, err
		}
		l.Phone = phone
	}
	if err := checkLanguage("language", l.Language); err != nil {
		return l, err
	}
	if req.Role != "" {
		role, err := checkLinkRole("role", req.Role)
		if err != nil {
			return l, err
		}
		l.Role = string(role)
	}
	if req.Active != nil {
		l.Active = *req.Active
	}
	var err error
	if l.ValidFrom, err = parseLinkTime("valid_from", req.ValidFrom); err != nil {
		return l, err
	}
	if l.ValidUntil, err = parseLinkTime("valid_until", req.ValidUntil); err != nil {
		return l, err
	}
	if err := s.checkWindow("valid_until", l.ValidFrom, l.ValidUntil); err != nil {
		return l, err
	}
	if req.SendEmail {
		if l.Email == "" {
			return l, bad("email", "send_email needs an email address to send to")
		}
		if s.mailer == nil {
			return l, errNoMailer
		}
	}
	if req.SendSMS {
		if l.Phone == "" {
			return l, bad("phone", "send_sms needs a phone number to send to")
		}
		if s.sms == nil {
			return l, errNoSMS
		}
	}
	return l, nil
}

// listLinks serves GET /api/v1/rooms/{number}/links: the room's links by
// ID, expired and inactive ones included.
func (s *linksAPI) listLinks(w http.ResponseWriter, r *http.Request) error {
	room, err := s.storedRoom(r, s.store != nil)
	if err != nil {
		return err
	}
	list, err := s.store.Links(r.Context(), room.Number())
	if err != nil {
		return err
	}
	out := make([]Link, len(list))
	for i, l := range list {
		out[i] = s.linkState(r, l)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getLink serves GET /api/v1/rooms/{number}/links/{id}.
func (s *linksAPI) getLink(w http.ResponseWriter, r *http.Request) error {
	l, _, err := s.roomLink(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.linkState(r, l))
	return nil
}

// patchLink serves PATCH /api/v1/rooms/{number}/links/{id}: the given
// fields change in one store transaction; a role change then applies at
// once to everyone in the room who came by the link (no_access hangs them
// up).
func (s *linksAPI) patchLink(w http.ResponseWriter, r *http.Request) error {
	var req LinkPatch
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	const noEdit = "an invitation cannot be edited: delete it and create a new one"
	for _, f := range []struct {
		name string
		set  bool
	}{{"email", req.Email != nil}, {"phone", req.Phone != nil}, {"language", req.Language != nil}} {
		if f.set {
			return &Error{Status: http.StatusBadRequest, Field: f.name, Message: f.name + ": " + noEdit}
		}
	}
	// Everything that needs no stored state is checked before the
	// transaction, which holds the store's write lock.
	var (
		role              bridge.Role
		from, until       *time.Time
		name, description string
		err               error
	)
	if req.Role != nil {
		if *req.Role == "" {
			return &Error{Status: http.StatusBadRequest, Field: "role",
				Message: "role is empty: want owner, moderator, presenter, attendee, spectator or no_access"}
		}
		if role, err = bridge.ParseRole(*req.Role); err != nil {
			return err
		}
	}
	if req.Name != nil {
		name = strings.TrimSpace(*req.Name)
		if err := checkText("name", name, maxNameLen); err != nil {
			return err
		}
	}
	if req.Description != nil {
		description = strings.TrimSpace(*req.Description)
		if err := checkText("description", description, maxDescriptionLen); err != nil {
			return err
		}
	}
	if req.ValidFrom != nil {
		if from, err = parseLinkTime("valid_from", *req.ValidFrom); err != nil {
			return err
		}
	}
	if req.ExpireNow && req.ValidUntil != nil {
		return &Error{Status: http.StatusBadRequest, Field: "expire_now",
			Message: "expire_now sets valid_until: give one or the other"}
	}
	if req.ValidUntil != nil {
		if until, err = parseLinkTime("valid_until", *req.ValidUntil); err != nil {
			return err
		}
	}
	old, room, err := s.roomLink(r)
	if err != nil {
		return err
	}
	if req.Name != nil && old.Kind == store.LinkGuest && name != old.Name {
		return &Error{Status: http.StatusBadRequest, Field: "name", Message: "name: " + noEdit}
	}
	if req.Name != nil && old.Kind == store.LinkGroup && name == "" {
		return &Error{Status: http.StatusBadRequest, Field: "name", Message: "name is empty: give the group link a name"}
	}
	now := s.now()
	l, err := s.store.UpdateLink(r.Context(), old.ID, func(l *store.Link) error {
		if l.Room != room.Number() {
			return linkNotFound(room.Number(), r.PathValue("id"))
		}
		if req.Active != nil {
			l.Active = *req.Active
		}
		if req.Role != nil {
			l.Role = string(role)
		}
		if req.Name != nil {
			l.Name = name
		}
		if req.Description != nil {
			l.Description = description
		}
		if req.ValidFrom != nil {
			l.ValidFrom = from
		}
		field := "valid_from"
		if req.ValidUntil != nil {
			l.ValidUntil, field = until, "valid_until"
		}
		if req.ExpireNow {
			l.ValidUntil = &now
			return nil // "expire now" may end a link that has not opened yet
		}
		if req.ValidFrom != nil || req.ValidUntil != nil {
			return s.checkWindow(field, l.ValidFrom, l.ValidUntil)
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return linkNotFound(room.Number(), r.PathValue("id"))
	}
	if err != nil {
		return err
	}
	moved := 0
	if req.Role != nil && role != bridge.Role(old.Role) {
		for _, p := range room.ByLink(l.ID) {
			p.SetRole(role)
			moved++
		}
	}
	s.log.Info("api link changed", "room", l.Room, "link", l.ID, "role", l.Role, "active", l.Active,
		"participants_changed", moved, "by", principalOf(r).String(), "remote", r.RemoteAddr)
	writeJSON(w, http.StatusOK, s.linkState(r, l))
	return nil
}

// deleteLink serves DELETE /api/v1/rooms/{number}/links/{id}: the link
// stops working at once, and everyone in the room who came by it is hung
// up. 204.
func (s *linksAPI) deleteLink(w http.ResponseWriter, r *http.Request) error {
	l, room, err := s.roomLink(r)
	if err != nil {
		return err
	}
	if err := s.store.DeleteLink(r.Context(), l.ID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return linkNotFound(room.Number(), r.PathValue("id"))
		}
		return err
	}
	removed := 0
	for _, p := range room.ByLink(l.ID) {
		p.Hangup("link revoked")
		removed++
	}
	s.log.Info("api link deleted", "room", l.Room, "link", l.ID, "participants_removed", removed,
		"by", principalOf(r).String(), "remote", r.RemoteAddr)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// resendLink serves POST /api/v1/rooms/{number}/links/{id}/resend: the
// same invitation (same calendar UID) is mailed again, and texted again
// when the link has a phone number. 200 when at least one went out; when
// every one was refused, 400 naming phone for a number the gateway cannot
// text, else 502.
func (s *linksAPI) resendLink(w http.ResponseWriter, r *http.Request) error {
	if err := decodeOptionalJSON(w, r, &struct{}{}); err != nil {
		return err
	}
	l, room, err := s.roomLink(r)
	if err != nil {
		return err
	}
	email, sms := l.Email != "", l.Phone != ""
	switch {
	case !email && !sms:
		return &Error{Status: http.StatusConflict, Field: "email",
			Message: fmt.Sprintf("link %d has neither an email address nor a phone number to send to", l.ID)}
	case email && s.mailer == nil:
		return errNoMailer
	case !email && s.sms == nil:
		return errNoSMS
	}
	sent := s.invite(r, room, l, email, sms && s.sms != nil)
	ok := slices.ContainsFunc(sent, func(i SentInvitation) bool { return i.Sent })
	if !ok {
		for _, i := range sent {
			if errors.Is(i.err, notify.ErrBadNumber) {
				return &Error{Status: http.StatusBadRequest, Field: "phone",
					Message: "the link's phone number cannot receive SMS: " + i.Error + "; delete the link and create a new one"}
			}
		}
		field := "email"
		if sent[0].Channel == store.ChannelSMS {
			field = "phone"
		}
		return &Error{Status: http.StatusBadGateway, Field: field,
			Message: "the invitation could not be sent: " + sent[0].Error}
	}
	writeJSON(w, http.StatusOK, ResendResponse{Invitations: sent})
	return nil
}

// roomLink returns the link named by the {id} path segment if it belongs
// to the room named by {number}; another room's link is 404, as if it did
// not exist.
func (s *linksAPI) roomLink(r *http.Request) (store.Link, *bridge.Room, error) {
	room, err := s.room(r)
	if err != nil {
		return store.Link{}, nil, err
	}
	if s.store == nil {
		return store.Link{}, nil, errNoStore
	}
	notFound := linkNotFound(room.Number(), r.PathValue("id"))
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return store.Link{}, nil, notFound
	}
	l, err := s.store.Link(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Link{}, nil, notFound
	case err != nil:
		return store.Link{}, nil, err
	case l.Room != room.Number():
		return store.Link{}, nil, notFound
	}
	return l, room, nil
}

// linkNotFound is the 404 for a link ID the room does not have.
func linkNotFound(room, id string) *Error {
	return &Error{Status: http.StatusNotFound, Field: "id", Message: fmt.Sprintf("room %s has no link %q", room, id)}
}

// linkPath is the API path of l.
func linkPath(l store.Link) string {
	return "/api/v1/rooms/" + l.Room + "/links/" + strconv.FormatInt(l.ID, 10)
}

// linkState describes a stored link for the API; its state reads the
// guest access of the room as the bridge has it now.
func (s *linksAPI) linkState(r *http.Request, l store.Link) Link {
	guestAccess := true // a room the bridge lacks: the join page says so
	if room, err := s.bridge.Room(l.Room); err == nil {
		guestAccess = room.Settings().GuestAccess
	}
	return Link{ID: strconv.FormatInt(l.ID, 10), Room: l.Room, Kind: l.Kind, Token: l.Token, URL: s.joinURL(r, l.Token),
		Name: l.Name, Email: l.Email, Phone: l.Phone, Language: l.Language, Description: l.Description, Role: l.Role,
		Active: l.Active, ValidFrom: l.ValidFrom, ValidUntil: l.ValidUntil, State: linkState(l, s.now(), guestAccess),
		CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt}
}

// joinURL is the join page of token: PUBLIC_URL/join/TOKEN. Without a
// public URL it is made from the request, as the client reached the API.
func (s linkURLs) joinURL(r *http.Request, token string) string {
	return s.baseURL(r) + "/join/" + token
}

// baseURL is Options.PublicURL without a trailing slash, or, when none is
// configured, the scheme and host the request came to.
func (s linkURLs) baseURL(r *http.Request) string {
	if s.publicURL != "" {
		return s.publicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// guestRole is the role a link of room grants when the request names none.
func guestRole(room *bridge.Room) bridge.Role {
	if role := room.Settings().GuestRole; role != "" && role != bridge.RoleNoAccess {
		return role
	}
	return bridge.RoleAttendee
}

// checkLinkRole reads the role a link grants; no_access is refused, since
// a new link that admits nobody is a mistake.
func checkLinkRole(field, s string) (bridge.Role, error) {
	role, err := bridge.ParseRole(s)
	if err != nil || role == bridge.RoleNoAccess {
		return "", &Error{Status: http.StatusBadRequest, Field: field,
			Message: fmt.Sprintf("%s %q: must be owner, moderator, presenter, attendee or spectator", field, s)}
	}
	return role, nil
}

// checkText refuses a value longer than max bytes, not UTF-8, or with
// control characters.
func checkText(field, s string, max int) error {
	switch {
	case len(s) > max:
		return &Error{Status: http.StatusBadRequest, Field: field, Message: fmt.Sprintf("%s is longer than %d bytes", field, max)}
	case !utf8.ValidString(s):
		return &Error{Status: http.StatusBadRequest, Field: field, Message: field + " is not valid UTF-8"}
	case strings.ContainsFunc(s, func(c rune) bool { return c < 0x20 && c != '\n' && c != '\t' || c == 0x7f }):
		return &Error{Status: http.StatusBadRequest, Field: field, Message: field + " has control characters"}
	}
	return nil
}

// maxEmailLen is the longest email address the API takes (RFC 5321 §4.5.3.1.3
// bounds a path to 256 octets).
const maxEmailLen = 254

// checkEmail accepts a bare address such as ada@example.com (RFC 5322
// §3.4.1 addr-spec, as net/mail reads it), with no display name.
func checkEmail(field, s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || len(s) > maxEmailLen || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return &Error{Status: http.StatusBadRequest, Field: field,
			Message: fmt.Sprintf("%s %q: want an email address such as ada@example.com", field, s)}
	}
	return nil
}

// checkPhone reads a phone number for SMS: E.164 or national digits, with
// spaces and dashes allowed (dialplan.ParseTarget); it returns it as the
// digits, with the "+" of an E.164 number. The SMS gateway checks the
// number against its country rules when it sends.
//
// The number must be one a phone can have (libphonenumber's rules, via
// notify.E164), read in country (ISO 3166 alpha-2, from sms.default_country)
// when it is written nationally; it is stored in E.164.
func checkPhone(field, s, country string) (string, error) {
	e164, err := notify.E164(s, country)
	if err != nil {
		hint := "E.164 (+447911123456)"
		if country != "" {
			hint += " or national in " + country + " (07911123456)"
		}
		return "", &Error{Status: http.StatusBadRequest, Field: field,
			Message: fmt.Sprintf("%s %q: not a phone number a text can reach (%v): want %s", field, s, err, hint)}
	}
	return e164, nil
}

// checkLanguage accepts "" or one of the languages Parley speaks.
func checkLanguage(field, lang string) error {
	if lang == "" || slices.Contains(languages(), lang) {
		return nil
	}
	return &Error{Status: http.StatusBadRequest, Field: field,
		Message: fmt.Sprintf("%s %q: want one of %s, or none", field, lang, strings.Join(languages(), ", "))}
}

// parseLinkTime reads an optional RFC 3339 time with an offset (RFC 3339
// §5.6); "" is nil.
func parseLinkTime(field, s string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, &Error{Status: http.StatusBadRequest, Field: field,
			Message: fmt.Sprintf("%s %q: want an RFC 3339 time with an offset, such as 2026-03-02T09:00:00+01:00", field, s)}
	}
	return &t, nil
}

// checkWindow refuses a validity window that ends before it starts, or
// that has already ended (use expire_now for that), naming field.
func (s *linksAPI) checkWindow(field string, from, until *time.Time) error {
	if until == nil {
		return nil
	}
	if from != nil && !until.After(*from) {
		return &Error{Status: http.StatusBadRequest, Field: field,
			Message: fmt.Sprintf("valid_until %s must be after valid_from %s", until.Format(time.RFC3339), from.Format(time.RFC3339))}
	}
	if now := s.now(); until.Before(now.Add(-startGrace)) {
		return &Error{Status: http.StatusBadRequest, Field: "valid_until",
			Message: fmt.Sprintf("valid_until %s is in the past (it is %s now): to end a link now, send expire_now",
				until.Format(time.RFC3339), now.In(until.Location()).Format(time.RFC3339))}
	}
	return nil
}
