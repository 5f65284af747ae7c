package config

import (
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// This file holds the web accounts: who may sign in to the web (package
// accounts). Local users are the extensions with a password_hash (the SIP
// password never signs in to the web: a phone's digest password is often
// typed into devices and provisioning files, and it is stored in clear);
// directory users come from the ldap section. Roles: admin (a login in
// admins), operator (an extension in the "operators" group, or a member of
// ldap.operators_group), user (everyone else who signs in).

// LDAP is the directory (OpenLDAP, Active Directory) users sign in from:
// Parley searches the user with the service account, then binds as the
// user's entry with the password given (simple bind, never with an empty
// password).
type LDAP struct {
	// URL is ldap://HOST[:PORT] or ldaps://HOST[:PORT]; required.
	URL string `yaml:"url"`
	// StartTLS upgrades an ldap:// connection with StartTLS (RFC 4513 §3)
	// before anything is sent; ldap:// without it is refused unless
	// Insecure is set, since passwords would cross the network in clear.
	StartTLS bool `yaml:"start_tls"`
	// Insecure allows ldap:// without StartTLS (tests, a directory on
	// localhost). Default false.
	Insecure bool `yaml:"insecure"`
	// CAFile is a PEM file of the CAs the server's certificate is checked
	// against; empty: the system's.
	CAFile string `yaml:"ca_file"`
	// BindDN and BindPassword are the service account searches run as;
	// both required.
	BindDN       string `yaml:"bind_dn"`
	BindPassword Secret `yaml:"bind_password"`
	// BaseDN is where users (and the operators group) are searched;
	// required.
	BaseDN string `yaml:"base_dn"`
	// UserFilter finds a user by login: an LDAP filter with one %s, which
	// is replaced by the login escaped per RFC 4515. Default "(uid=%s)"
	// (Active Directory: "(sAMAccountName=%s)").
	UserFilter string `yaml:"user_filter"`
	// Attributes map the user's fields to LDAP attributes.
	Attributes LDAPAttributes `yaml:"attributes"`
	// OperatorsGroup makes the members of this group operators: a group
	// DN ("cn=operators,ou=groups,dc=example,dc=com") or a group's cn.
	// Empty: no directory user is an operator.
	OperatorsGroup string `yaml:"operators_group"`
	// Timeout bounds connecting and each request. Default 5s.
	Timeout time.Duration `yaml:"timeout"`
}

// LDAPAttributes are the attribute names of a user's fields.
type LDAPAttributes struct {
	// Name is the display name; default "cn" (AD: "displayName").
	Name string `yaml:"name"`
	// Email; default "mail".
	Email string `yaml:"email"`
	// Phone is the phone number; default "telephoneNumber".
	Phone string `yaml:"phone"`
	// Extension is the user's extension number, which links the user to
	// the rooms it owns or is a member of; default "pager" (AD: "ipPhone").
	Extension string `yaml:"extension"`
	// CallerID is the attribute holding the caller ID the user's calls
	// out present (E.164 or digits); empty (the default): none, the
	// extension's caller_id applies.
	CallerID string `yaml:"caller_id"`
}

// Session configures web sessions.
type Session struct {
	// IdleTimeout ends a session not used for this long. Default 30m
	// (0 in a Config built in code: the same).
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// MaxAge ends a session this long after sign-in, used or not.
	// Default 12h.
	MaxAge time.Duration `yaml:"max_age"`
}

// Defaults of the accounts sections.
const (
	defaultLDAPTimeout       = 5 * time.Second
	defaultLDAPUserFilter    = "(uid=%s)"
	defaultSessionIdle       = 30 * time.Minute
	defaultSessionMaxAge     = 12 * time.Hour
	maxLDAPTimeout           = time.Minute
	defaultLDAPAttrName      = "cn"
	defaultLDAPAttrEmail     = "mail"
	defaultLDAPAttrPhone     = "telephoneNumber"
	defaultLDAPAttrExtension = "pager"
)

// applyAccountsDefaults fills in the session and ldap settings left out.
func applyAccountsDefaults(c *Config, src *source) {
	if !src.has("session.idle_timeout") {
		c.Session.IdleTimeout = defaultSessionIdle
	}
	if !src.has("session.max_age") {
		c.Session.MaxAge = defaultSessionMaxAge
	}
	l := c.LDAP
	if l == nil {
		return
	}
	if !src.has("ldap.timeout") {
		l.Timeout = defaultLDAPTimeout
	}
	if !src.has("ldap.user_filter") {
		l.UserFilter = defaultLDAPUserFilter
	}
	for _, d := range []struct {
		path string
		to   *string
		def  string
	}{
		{"ldap.attributes.name", &l.Attributes.Name, defaultLDAPAttrName},
		{"ldap.attributes.email", &l.Attributes.Email, defaultLDAPAttrEmail},
		{"ldap.attributes.phone", &l.Attributes.Phone, defaultLDAPAttrPhone},
		{"ldap.attributes.extension", &l.Attributes.Extension, defaultLDAPAttrExtension},
	} {
		if !src.has(d.path) {
			*d.to = d.def
		}
	}
}

// accounts checks the password hashes, admins, session and ldap sections.
func (v *validator) accounts(c *Config) {
	for i, e := range c.Extensions {
		if e.PasswordHash == "" {
			continue
		}
		if _, err := bcrypt.Cost([]byte(e.PasswordHash)); err != nil {
			v.add(index("extensions", i)+".password_hash", "not a bcrypt hash (make one with htpasswd -nbBC 10 '' PASSWORD)")
		}
	}
	for i, a := range c.Admins {
		if strings.TrimSpace(a) == "" {
			v.add(index("admins", i), "empty login")
		}
	}
	if c.Session.IdleTimeout < 0 {
		v.add("session.idle_timeout", "%s: must not be negative", c.Session.IdleTimeout)
	}
	if c.Session.MaxAge < 0 || (c.Session.MaxAge > 0 && c.Session.MaxAge < c.Session.IdleTimeout) {
		v.add("session.max_age", "%s: must be at least session.idle_timeout", c.Session.MaxAge)
	}
	if c.LDAP != nil {
		v.ldap(c.LDAP)
	}
}

// ldap checks the ldap section.
func (v *validator) ldap(l *LDAP) {
	u, err := url.Parse(l.URL)
	switch {
	case l.URL == "":
		v.add("ldap.url", "required")
	case err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "":
		v.add("ldap.url", "%q: must be ldap://HOST[:PORT] or ldaps://HOST[:PORT]", l.URL)
	case u.Scheme == "ldaps" && l.StartTLS:
		v.add("ldap.start_tls", "not with ldaps://, which is TLS already")
	case u.Scheme == "ldap" && !l.StartTLS && !l.Insecure:
		v.add("ldap.url", "%q: ldap:// sends passwords in clear: set start_tls: true, use ldaps://, or set insecure: true", l.URL)
	}
	if l.CAFile != "" {
		if _, err := os.Stat(l.CAFile); err != nil {
			v.add("ldap.ca_file", "%v", err)
		}
	}
	if l.BindDN == "" {
		v.add("ldap.bind_dn", "required (the service account searches run as)")
	}
	if l.BindPassword == "" {
		v.add("ldap.bind_password", "required")
	}
	if l.BaseDN == "" {
		v.add("ldap.base_dn", "required")
	}
	if strings.Count(l.UserFilter, "%s") != 1 || strings.Count(l.UserFilter, "%") != 1 ||
		!strings.HasPrefix(l.UserFilter, "(") || !strings.HasSuffix(l.UserFilter, ")") {
		v.add("ldap.user_filter", "%q: must be a filter in parentheses with exactly one %%s for the login", l.UserFilter)
	}
	for path, a := range map[string]string{"name": l.Attributes.Name, "email": l.Attributes.Email,
		"phone": l.Attributes.Phone, "extension": l.Attributes.Extension} {
		if strings.TrimSpace(a) == "" || strings.ContainsAny(a, " ()=*,") {
			v.add("ldap.attributes."+path, "%q: not an attribute name", a)
		}
	}
	if l.Timeout <= 0 || l.Timeout > maxLDAPTimeout {
		v.add("ldap.timeout", "%s: must be between 1ms and 1m", l.Timeout)
	}
}
