// Package accounts is who may sign in to Parley's web side and with which
// role: local users (the config's extensions with a password_hash) and,
// when configured, the users of an LDAP or Active Directory server (ldap.go:
// a search as the service account, then a simple bind as the user). A
// signed-in user gets a Session (sessions.go). Roles: admin (a login in the
// config's admins), operator (the "operators" group of extensions, or the
// directory's operators group), user.
package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Role is what a signed-in user may do.
type Role string

// The roles, from most to least rights.
const (
	// RoleAdmin may do everything an admin token may.
	RoleAdmin Role = "admin"
	// RoleOperator sees and runs every room.
	RoleOperator Role = "operator"
	// RoleUser sees the rooms its extension owns or is a member of.
	RoleUser Role = "user"
)

// User is a signed-in person.
type User struct {
	// Login is the name signed in with: an extension number or the
	// directory's login.
	Login string `json:"login"`
	// Name is the display name; Email, Phone optional.
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
	// Extension is the user's extension number, if any: rooms list it as
	// owner or member.
	Extension string `json:"extension,omitempty"`
	// Role is set by SignIn.
	Role Role `json:"role"`
	// Source is "local" or "ldap".
	Source string `json:"source"`
	// CallerID is presented on the user's calls out: the extension's
	// caller_id, or the directory's caller ID attribute; empty: none.
	CallerID string `json:"caller_id,omitempty"`
}

// Errors of SignIn; every error it returns matches one of them.
var (
	// ErrInvalid is a wrong login or password (which one is not said).
	ErrInvalid = errors.New("wrong user name or password")
	// ErrUnavailable is a directory that cannot be asked now
	// (unreachable, the service account refused, a timeout).
	ErrUnavailable = errors.New("the directory (LDAP) is unavailable")
	// ErrUnknown is returned by a source that does not know the login;
	// SignIn turns it into ErrInvalid.
	ErrUnknown = errors.New("unknown user")
)

// LocalUsers are the users of the config file.
type LocalUsers interface {
	// Authenticate returns the user login names whose password is right,
	// ErrUnknown when login is none of its users, else ErrInvalid.
	Authenticate(login, password string) (User, error)
}

// Directory is an LDAP or Active Directory server: *LDAP.
type Directory interface {
	// Authenticate returns the user login names whose password the
	// directory accepts: ErrUnknown when it has no such user, ErrInvalid
	// for a wrong password, an error wrapping ErrUnavailable when it
	// cannot be asked.
	Authenticate(ctx context.Context, login, password string) (User, error)
}

// Accounts signs users in from the local users first, then the directory.
type Accounts struct {
	local  LocalUsers // nil: none
	dir    Directory  // nil: none
	admins map[string]bool
}

// New returns Accounts over local and dir (either may be nil); the logins
// in admins get RoleAdmin (compared without regard to case, as directories
// compare logins).
func New(local LocalUsers, dir Directory, admins []string) *Accounts {
	a := &Accounts{local: local, dir: dir, admins: make(map[string]bool, len(admins))}
	for _, l := range admins {
		a.admins[strings.ToLower(l)] = true
	}
	return a
}

// SignIn returns the user login and password name, with its role: a local
// user when the config has login (its password alone decides, so a
// directory outage never locks local users out), else the directory's.
// Errors wrap ErrInvalid or ErrUnavailable. An empty password is always
// ErrInvalid (an LDAP bind with one would be unauthenticated, RFC 4513
// §5.1.2).
func (a *Accounts) SignIn(ctx context.Context, login, password string) (User, error) {
	if login == "" || password == "" {
		return User{}, ErrInvalid
	}
	u, err := a.lookup(ctx, login, password)
	if err != nil {
		return User{}, err
	}
	if a.admins[strings.ToLower(u.Login)] {
		u.Role = RoleAdmin
	}
	return u, nil
}

// dummyHash is a bcrypt hash (cost 10, as htpasswd -B makes) that no
// password matches in practice: it makes unknown logins cost what known
// ones do.
var dummyHash = []byte("$2a$10$7EqJtq98hPqEX7fNZaFWoO5B2VYyBBkfHb0XWT1WTVJ7kNFXR1bHe")

func (a *Accounts) lookup(ctx context.Context, login, password string) (User, error) {
	if a.local != nil {
		u, err := a.local.Authenticate(login, password)
		if !errors.Is(err, ErrUnknown) {
			return u, invalid(err)
		}
	}
	if a.dir == nil {
		// As long as a wrong password of a local user, so that the time
		// does not tell which logins exist.
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return User{}, ErrInvalid
	}
	u, err := a.dir.Authenticate(ctx, login, password)
	return u, invalid(err)
}

// invalid maps a source's error to SignIn's: ErrUnknown becomes
// ErrInvalid, an error matching neither ErrInvalid nor ErrUnavailable is
// wrapped in ErrUnavailable.
func invalid(err error) error {
	switch {
	case err == nil, errors.Is(err, ErrInvalid), errors.Is(err, ErrUnavailable):
		return err
	case errors.Is(err, ErrUnknown):
		return ErrInvalid
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}
