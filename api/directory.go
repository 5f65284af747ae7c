package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/accounts"
)

// DirectorySearcher finds users as one types: *accounts.Finder.
type DirectorySearcher interface {
	// Search returns at most limit users matching every word of q, local
	// ones first; when the LDAP directory cannot be asked, the local ones
	// with an error wrapping accounts.ErrUnavailable.
	Search(ctx context.Context, q string, limit int) ([]accounts.User, error)
}

// Presence tells whether an extension has a device registered now: the
// SIP registrar, *sip.Server.
type Presence interface {
	// Registered reports whether ext has a live registration.
	Registered(ext string) bool
}

// DirectoryUser is a user found in the directory.
type DirectoryUser struct {
	// Login is what the user signs in as; Name the display name.
	Login string `json:"login"`
	Name  string `json:"name"`
	// Email, Phone and Extension are empty when unknown.
	Email     string `json:"email"`
	Phone     string `json:"phone"`
	Extension string `json:"extension"`
	// Online is set when the user's extension has a registered device.
	Online bool `json:"online"`
	// Source is "local" (the config's extensions) or "ldap".
	Source string `json:"source"`
}

// DirectoryResult is the answer of GET /api/v1/directory.
type DirectoryResult struct {
	// Users are the users found, local ones first.
	Users []DirectoryUser `json:"users"`
	// Warning says the LDAP directory could not be asked (only local
	// users are listed); empty otherwise.
	Warning string `json:"warning,omitempty"`
}

// Limits of a directory search.
const (
	maxDirectoryQuery   = 100
	defaultDirectoryMax = 20
	maxDirectoryLimit   = 50
)

// warnDirectory is the warning of a search the LDAP directory could not
// answer.
const warnDirectory = "the LDAP directory cannot be reached: only local users are listed"

// directoryAPI serves the directory search.
type directoryAPI struct {
	dir      DirectorySearcher // nil: 503
	presence Presence          // nil: nobody is online
	log      *slog.Logger
}

// search serves GET /api/v1/directory?q=&limit=: the users whose name,
// login, extension, email or phone contains every word of q, each with
// whether its extension is registered now.
func (s *directoryAPI) search(w http.ResponseWriter, r *http.Request) error {
	q, limit, err := parseDirectoryQuery(r.URL.Query())
	if err != nil {
		return err
	}
	if s.dir == nil {
		return &Error{Status: http.StatusServiceUnavailable, Message: "the directory is not configured"}
	}
	users, err := s.dir.Search(r.Context(), q, limit)
	res := DirectoryResult{Users: make([]DirectoryUser, 0, len(users))}
	switch {
	case errors.Is(err, accounts.ErrUnavailable):
		s.log.Warn("directory search: ldap unavailable", "err", err, "remote", r.RemoteAddr)
		res.Warning = warnDirectory
	case err != nil:
		return err
	}
	for _, u := range users {
		res.Users = append(res.Users, DirectoryUser{Login: u.Login, Name: u.Name, Email: u.Email, Phone: u.Phone,
			Extension: u.Extension, Source: u.Source,
			Online: u.Extension != "" && s.presence != nil && s.presence.Registered(u.Extension)})
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// parseDirectoryQuery reads q (trimmed, 1 to 100 characters of valid
// UTF-8) and limit (1 to 50, default 20); anything else is a 400 naming
// the parameter.
func parseDirectoryQuery(v url.Values) (q string, limit int, err error) {
	for k := range v {
		if k != "q" && k != "limit" {
			field := k
			if field == "" {
				field = "query" // "?=x" names no parameter
			}
			return "", 0, &Error{Status: http.StatusBadRequest, Field: field, Message: fmt.Sprintf("unknown query parameter %q: want q and limit", k)}
		}
	}
	for _, k := range []string{"q", "limit"} {
		if len(v[k]) > 1 {
			return "", 0, &Error{Status: http.StatusBadRequest, Field: k, Message: k + " is given more than once"}
		}
	}
	q = strings.TrimSpace(v.Get("q"))
	switch n := utf8.RuneCountInString(q); {
	case !utf8.ValidString(q) || strings.ContainsFunc(q, isControl):
		return "", 0, &Error{Status: http.StatusBadRequest, Field: "q", Message: "q has a control character or is not UTF-8"}
	case n == 0:
		return "", 0, &Error{Status: http.StatusBadRequest, Field: "q", Message: "q is required: part of a name, login, extension, email or phone number"}
	case n > maxDirectoryQuery:
		return "", 0, &Error{Status: http.StatusBadRequest, Field: "q", Message: fmt.Sprintf("q is %d characters long: at most %d", n, maxDirectoryQuery)}
	}
	limit = defaultDirectoryMax
	if l := v.Get("limit"); v.Has("limit") {
		if limit, err = strconv.Atoi(l); err != nil || limit < 1 || limit > maxDirectoryLimit {
			return "", 0, &Error{Status: http.StatusBadRequest, Field: "limit",
				Message: fmt.Sprintf("limit %q: must be a whole number from 1 to %d", l, maxDirectoryLimit)}
		}
	}
	return q, limit, nil
}

// isControl reports a C0 control character or DEL.
func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// errNotInDirectory is directoryUser's answer for a name no directory
// user has.
var errNotInDirectory = errors.New("no directory user of that name")

// directoryUser returns what to call for the one directory user whose
// login or display name is name, ignoring case: their extension, else
// their phone number, and the name to show. Several such users are a 400
// naming how many (no guess); none is errNotInDirectory, or a 503 when
// the LDAP directory could not be asked.
func (s *participantsAPI) directoryUser(ctx context.Context, name string) (target, shown string, err error) {
	if s.dir == nil || name == "" {
		return "", "", errNotInDirectory
	}
	users, err := s.dir.Search(ctx, name, maxDirectoryLimit)
	if err != nil && !errors.Is(err, accounts.ErrUnavailable) {
		return "", "", err
	}
	var found []accounts.User
	for _, u := range users {
		if strings.EqualFold(u.Login, name) || strings.EqualFold(u.Name, name) {
			found = append(found, u)
		}
	}
	switch {
	case len(found) == 0 && err != nil:
		return "", "", &Error{Status: http.StatusServiceUnavailable, Field: "to",
			Message: fmt.Sprintf("%q is neither a dial target nor an address book name, and the LDAP directory cannot be reached to look it up", name)}
	case len(found) == 0:
		return "", "", errNotInDirectory
	case len(found) > 1:
		return "", "", &Error{Status: http.StatusBadRequest, Field: "to",
			Message: fmt.Sprintf("%q is the name of %d directory users: dial the extension or number of the one you mean", name, len(found))}
	}
	u := found[0]
	shown = u.Name
	if shown == "" {
		shown = u.Login
	}
	switch {
	case u.Extension != "":
		return u.Extension, shown, nil
	case u.Phone != "":
		return u.Phone, shown, nil
	}
	return "", "", &Error{Status: http.StatusBadRequest, Field: "to",
		Message: fmt.Sprintf("directory user %q has neither an extension nor a phone number to call", shown)}
}
