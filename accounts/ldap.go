package accounts

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// LDAPOptions configure an LDAP directory (the config's ldap section).
type LDAPOptions struct {
	// URL is ldap://HOST[:PORT] or ldaps://HOST[:PORT].
	URL string
	// StartTLS upgrades an ldap:// connection before anything is sent.
	StartTLS bool
	// CAFile is a PEM file of the CAs to trust; empty: the system's.
	CAFile string
	// BindDN, BindPassword are the service account searches run as.
	BindDN, BindPassword string
	// BaseDN is where users and the operators group are searched.
	BaseDN string
	// UserFilter has one %s for the login, escaped per RFC 4515.
	UserFilter string
	// NameAttr, EmailAttr, PhoneAttr, ExtensionAttr name the attributes.
	NameAttr, EmailAttr, PhoneAttr, ExtensionAttr string
	// CallerIDAttr names the attribute of the user's caller ID; empty:
	// none is read.
	CallerIDAttr string
	// OperatorsGroup is a group DN or cn whose members are operators;
	// empty: none. Direct members only (member or uniqueMember).
	OperatorsGroup string
	// Timeout bounds the connection and each request.
	Timeout time.Duration
	// LoginAttr is the attribute a directory search reads the login from;
	// empty: the attribute of UserFilter's "(ATTR=%s)".
	LoginAttr string
	// PageSize is the page size of a directory search (RFC 2696); 0: 100.
	PageSize uint32
}

// LDAP is a Directory on an LDAP server: a connection per sign-in (sign-ins
// are rare), bound first as the service account to find the user's entry
// and whether it is in the operators group, then as the user with the
// password given.
type LDAP struct {
	o   LDAPOptions
	tls *tls.Config
}

// NewLDAP checks o and reads its CA file.
func NewLDAP(o LDAPOptions) (*LDAP, error) {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "" {
		return nil, fmt.Errorf("ldap url %q: must be ldap:// or ldaps://", o.URL)
	}
	if strings.Count(o.UserFilter, "%s") != 1 {
		return nil, fmt.Errorf("ldap user filter %q: needs exactly one %%s", o.UserFilter)
	}
	tc := &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ldap ca file: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ldap ca file %s: no PEM certificate", o.CAFile)
		}
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	return &LDAP{o: o, tls: tc}, nil
}

// Authenticate signs login in with password (Directory).
func (l *LDAP) Authenticate(ctx context.Context, login, password string) (User, error) {
	if password == "" {
		return User{}, ErrInvalid // an empty password would be an unauthenticated bind
	}
	c, err := l.dial(ctx)
	if err != nil {
		return User{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := c.Bind(l.o.BindDN, l.o.BindPassword); err != nil {
		return User{}, fmt.Errorf("%w: service account bind: %w", ErrUnavailable, err)
	}
	entry, err := l.find(c, login)
	if err != nil {
		return User{}, err
	}
	operator, err := l.inGroup(c, entry.DN)
	if err != nil {
		return User{}, err
	}
	switch err := c.Bind(entry.DN, password); {
	case ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials):
		return User{}, ErrInvalid
	case err != nil:
		return User{}, fmt.Errorf("%w: bind as the user: %w", ErrUnavailable, err)
	}
	u := User{Login: login, Name: entry.GetAttributeValue(l.o.NameAttr), Email: entry.GetAttributeValue(l.o.EmailAttr),
		Phone: entry.GetAttributeValue(l.o.PhoneAttr), Extension: entry.GetAttributeValue(l.o.ExtensionAttr),
		Role: RoleUser, Source: "ldap"}
	u.CallerID = l.callerID(entry)
	if operator {
		u.Role = RoleOperator
	}
	return u, nil
}

// dial connects, with TLS from the start (ldaps) or by StartTLS.
func (l *LDAP) dial(ctx context.Context) (*ldap.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d := &net.Dialer{Timeout: l.o.Timeout}
	c, err := ldap.DialURL(l.o.URL, ldap.DialWithDialer(d), ldap.DialWithTLSConfig(l.tls))
	if err != nil {
		return nil, err
	}
	c.SetTimeout(l.o.Timeout)
	if l.o.StartTLS {
		if err := c.StartTLS(l.tls); err != nil {
			c.Close()
			return nil, fmt.Errorf("starttls: %w", err)
		}
	}
	return c, nil
}

// find returns the one entry of login: ErrUnknown for none, ErrInvalid
// for several (an ambiguous filter must not pick one).
func (l *LDAP) find(c *ldap.Conn, login string) (*ldap.Entry, error) {
	req := ldap.NewSearchRequest(l.o.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 2,
		int(l.o.Timeout/time.Second), false, fmt.Sprintf(l.o.UserFilter, ldap.EscapeFilter(login)),
		l.withCallerIDAttr([]string{l.o.NameAttr, l.o.EmailAttr, l.o.PhoneAttr, l.o.ExtensionAttr}), nil)
	res, err := c.Search(req)
	switch {
	case ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded):
		return nil, fmt.Errorf("%w: more than one entry matches", ErrInvalid)
	case ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject):
		return nil, ErrUnknown
	case err != nil:
		return nil, fmt.Errorf("%w: search: %w", ErrUnavailable, err)
	case len(res.Entries) == 0:
		return nil, ErrUnknown
	case len(res.Entries) > 1:
		return nil, fmt.Errorf("%w: more than one entry matches", ErrInvalid)
	}
	return res.Entries[0], nil
}

// inGroup reports whether dn is a direct member of the operators group.
func (l *LDAP) inGroup(c *ldap.Conn, dn string) (bool, error) {
	g := l.o.OperatorsGroup
	if g == "" {
		return false, nil
	}
	member := fmt.Sprintf("(|(member=%s)(uniqueMember=%s))", ldap.EscapeFilter(dn), ldap.EscapeFilter(dn))
	base, scope, filter := l.o.BaseDN, ldap.ScopeWholeSubtree, "(&(cn="+ldap.EscapeFilter(g)+")"+member+")"
	if strings.Contains(g, "=") { // a DN
		base, scope, filter = g, ldap.ScopeBaseObject, member
	}
	req := ldap.NewSearchRequest(base, scope, ldap.NeverDerefAliases, 1, int(l.o.Timeout/time.Second), false,
		filter, []string{"1.1"}, nil)
	res, err := c.Search(req)
	switch {
	case ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject): // no such group
		return false, nil
	case ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded): // several groups named so, one has dn
		return true, nil
	case err != nil:
		return false, fmt.Errorf("%w: operators group: %w", ErrUnavailable, err)
	}
	return len(res.Entries) > 0, nil
}
