package accounts

import (
	"golang.org/x/crypto/bcrypt"
)

// LocalUser is one user of the config file: an extension with the bcrypt
// hash of its web password.
type LocalUser struct {
	// Login is what the user signs in as (the extension number).
	Login string
	// Name, Email, Phone, Extension describe the user.
	Name, Email, Phone, Extension string
	// Hash is the bcrypt hash of the web password; empty: cannot sign in.
	Hash string
	// Operator makes the user an operator.
	Operator bool
	// CallerID is presented on the user's calls out; empty: none.
	CallerID string
}

// Local is the LocalUsers of the config file. It is read-only and safe for
// concurrent use.
type Local map[string]LocalUser

// NewLocal returns the users that have a Hash; the first of a Login wins.
func NewLocal(users []LocalUser) Local {
	l := make(Local, len(users))
	for _, u := range users {
		if _, dup := l[u.Login]; u.Hash != "" && !dup {
			l[u.Login] = u
		}
	}
	return l
}

// Authenticate checks password against login's hash (LocalUsers).
func (l Local) Authenticate(login, password string) (User, error) {
	u, ok := l[login]
	if !ok {
		return User{}, ErrUnknown
	}
	if bcrypt.CompareHashAndPassword([]byte(u.Hash), []byte(password)) != nil {
		return User{}, ErrInvalid
	}
	role := RoleUser
	if u.Operator {
		role = RoleOperator
	}
	return User{Login: u.Login, Name: u.Name, Email: u.Email, Phone: u.Phone, Extension: u.Extension, Role: role, Source: "local",
		CallerID: u.CallerID}, nil
}
