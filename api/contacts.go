package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/dialplan"
	"github.com/parleyhq/parley/rules"
	"github.com/parleyhq/parley/store"
)

// ContactStore keeps the address book: *store.DB, whose methods have the
// contracts documented there.
type ContactStore interface {
	ContactFinder
	// CreateContact stores an address book entry (store.ErrExists if the
	// owner has one of that name).
	CreateContact(ctx context.Context, c store.Contact) (store.Contact, error)
	// Contacts lists the contacts an owner sees, matching query.
	Contacts(ctx context.Context, owner, query string) ([]store.Contact, error)
	// DeleteContact deletes a contact (store.ErrNotFound).
	DeleteContact(ctx context.Context, id int64) error
}

// contactsAPI serves the address book.
type contactsAPI struct {
	store ContactStore // nil: 503
	log   *slog.Logger
}

// listContacts serves GET /api/v1/contacts?q=&owner=: the address book
// entries an owner sees (its own and the global ones; only the global
// ones without owner) whose name or target contains q, ignoring case, by
// name.
func (s *contactsAPI) listContacts(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	for k := range q {
		if k != "q" && k != "owner" {
			return &Error{Status: http.StatusBadRequest, Field: k, Message: "unknown query parameter " + k + ": want q and owner"}
		}
	}
	owner := strings.TrimSpace(q.Get("owner"))
	if err := checkOwner(owner); err != nil {
		return err
	}
	if s.store == nil {
		return errNoStore
	}
	list, err := s.store.Contacts(r.Context(), owner, strings.TrimSpace(q.Get("q")))
	if err != nil {
		return err
	}
	out := make([]Contact, len(list))
	for i, c := range list {
		out[i] = contactState(c)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// createContact serves POST /api/v1/contacts: a name for a dial target,
// global or an extension's own. The target must parse as a dial target
// (#sip:@IP and #h323:@IP included); the name must not, or dialling it
// would call the name rather than the contact. 201.
func (s *contactsAPI) createContact(w http.ResponseWriter, r *http.Request) error {
	var req ContactRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	c := store.Contact{Owner: strings.TrimSpace(req.Owner), Name: strings.TrimSpace(req.Name), Target: strings.TrimSpace(req.Target)}
	if err := checkOwner(c.Owner); err != nil {
		return err
	}
	if c.Name == "" {
		return &Error{Status: http.StatusBadRequest, Field: "name", Message: "name is required: what people dial or search for"}
	}
	if err := checkText("name", c.Name, maxNameLen); err != nil {
		return err
	}
	if strings.ContainsRune(c.Name, '\n') {
		return &Error{Status: http.StatusBadRequest, Field: "name", Message: "name has a line break"}
	}
	if _, err := dialplan.ParseTarget(c.Name); err == nil {
		return &Error{Status: http.StatusBadRequest, Field: "name",
			Message: fmt.Sprintf("name %q is itself a dial target, so dialling it would never reach the contact: give a name such as \"Reception\"", c.Name)}
	}
	if c.Target == "" {
		return &Error{Status: http.StatusBadRequest, Field: "target",
			Message: "target is required: an extension (2001), a phone number (+442079460123), #sip:@HOST, sip:USER@HOST or #h323:@HOST"}
	}
	if _, err := dialplan.ParseTarget(c.Target); err != nil {
		return &Error{Status: http.StatusBadRequest, Field: "target", Message: "target: " + err.Error()}
	}
	if s.store == nil {
		return errNoStore
	}
	who := "the global address book"
	if c.Owner != "" {
		who = "extension " + c.Owner
	}
	c, err := s.store.CreateContact(r.Context(), c)
	if errors.Is(err, store.ErrExists) {
		return &Error{Status: http.StatusConflict, Field: "name",
			Message: fmt.Sprintf("%s already has a contact called %q", who, strings.TrimSpace(req.Name))}
	}
	if err != nil {
		return err
	}
	s.log.Info("api contact created", "contact", c.ID, "owner", c.Owner, "name", c.Name,
		"by", principalOf(r).String(), "remote", r.RemoteAddr)
	w.Header().Set("Location", "/api/v1/contacts/"+strconv.FormatInt(c.ID, 10))
	writeJSON(w, http.StatusCreated, contactState(c))
	return nil
}

// deleteContact serves DELETE /api/v1/contacts/{id}. 204.
func (s *contactsAPI) deleteContact(w http.ResponseWriter, r *http.Request) error {
	notFound := &Error{Status: http.StatusNotFound, Field: "id", Message: fmt.Sprintf("no contact %q", r.PathValue("id"))}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return notFound
	}
	if s.store == nil {
		return errNoStore
	}
	if err := s.store.DeleteContact(r.Context(), id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound
		}
		return err
	}
	s.log.Info("api contact deleted", "contact", id, "by", principalOf(r).String(), "remote", r.RemoteAddr)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// checkOwner accepts "" (global) or an extension number.
func checkOwner(owner string) error {
	if owner != "" && rules.Number(owner) != nil {
		return &Error{Status: http.StatusBadRequest, Field: "owner",
			Message: fmt.Sprintf("owner %q: must be an extension number, digits only, or empty for the global address book", owner)}
	}
	return nil
}

// contactState describes a stored contact for the API.
func contactState(c store.Contact) Contact {
	out := Contact{ID: strconv.FormatInt(c.ID, 10), Owner: c.Owner, Name: c.Name, Target: c.Target, CreatedAt: c.CreatedAt}
	if t, err := dialplan.ParseTarget(c.Target); err == nil {
		out.Kind = t.Kind.String()
	} else {
		out.Kind = dialplan.KindUnknown.String()
	}
	return out
}

// resolveContact turns what was typed as a dial target into one: to
// itself when it parses, else the target of the address book entry of
// that name that the room's owner sees (the owner's own, else a global
// one), else the directory user of that login or name (directoryUser).
// contact is the entry's or user's name, "" when to was a target; a name
// found nowhere returns the target's parse error.
func (s *participantsAPI) resolveContact(r *http.Request, number, to string) (target, contact string, err error) {
	_, perr := dialplan.ParseTarget(to)
	if perr == nil || s.bridge == nil {
		return to, "", perr
	}
	if s.contacts != nil {
		owner := ""
		if room, err := s.bridge.Room(number); err == nil {
			owner = room.Settings().Owner
		}
		c, err := s.contacts.ContactByName(r.Context(), owner, strings.TrimSpace(to))
		if err == nil {
			return c.Target, c.Name, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return to, "", err
		}
	}
	target, contact, err = s.directoryUser(r.Context(), strings.TrimSpace(to))
	if errors.Is(err, errNotInDirectory) {
		return to, "", fmt.Errorf("%w; nor is it a name in the address book or the directory", perr)
	}
	return target, contact, err
}
