package accounts

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// defaultPageSize is the page size of a directory search.
const defaultPageSize = 100

// filterLogin finds the login attribute in a user filter: "(uid=%s)",
// "(&(objectClass=user)(sAMAccountName=%s))".
var filterLogin = regexp.MustCompile(`\(([A-Za-z][A-Za-z0-9-]*)=%s\)`)

// Search finds the users whose name, login, extension, email or phone
// contains every word (Searcher): a paged search (RFC 2696) as the service
// account for the entries UserFilter finds with any login that also match,
// per word, a substring of one of those attributes, every word escaped
// (RFC 4515). At most limit users; a directory with more answers the first
// limit. Errors wrap ErrUnavailable.
func (l *LDAP) Search(ctx context.Context, words []string, limit int) ([]User, error) {
	if len(words) == 0 || limit <= 0 {
		return nil, nil
	}
	c, err := l.dial(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := c.Bind(l.o.BindDN, l.o.BindPassword); err != nil {
		return nil, fmt.Errorf("%w: service account bind: %w", ErrUnavailable, err)
	}
	login := l.loginAttr()
	attrs := []string{l.o.NameAttr, l.o.EmailAttr, l.o.PhoneAttr, l.o.ExtensionAttr}
	if login != "" {
		attrs = append(attrs, login)
	}
	req := ldap.NewSearchRequest(l.o.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, limit,
		int(l.o.Timeout/time.Second), false, l.searchFilter(words, attrs), attrs, nil)
	page := l.o.PageSize
	if page == 0 {
		page = defaultPageSize
	}
	res, err := c.SearchWithPaging(req, page)
	switch {
	case ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded): // res holds the first limit
	case ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject): // no base DN: nobody
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("%w: search: %w", ErrUnavailable, err)
	}
	users := make([]User, 0, min(limit, len(res.Entries)))
	for _, e := range res.Entries {
		if len(users) == limit {
			break
		}
		u := User{Name: e.GetAttributeValue(l.o.NameAttr), Email: e.GetAttributeValue(l.o.EmailAttr),
			Phone: e.GetAttributeValue(l.o.PhoneAttr), Extension: e.GetAttributeValue(l.o.ExtensionAttr), Source: "ldap"}
		if login != "" {
			u.Login = e.GetAttributeValue(login)
		}
		users = append(users, u)
	}
	return users, nil
}

// loginAttr is LoginAttr, else the attribute UserFilter compares with the
// login, else "" (unknown).
func (l *LDAP) loginAttr() string {
	if l.o.LoginAttr != "" {
		return l.o.LoginAttr
	}
	if m := filterLogin.FindStringSubmatch(l.o.UserFilter); m != nil {
		return m[1]
	}
	return ""
}

// searchFilter is (&USERFILTER(|(a=*w1*)…)(|(a=*w2*)…)…), UserFilter's %s
// being * (any login) and every word escaped.
func (l *LDAP) searchFilter(words []string, attrs []string) string {
	var b strings.Builder
	b.WriteString("(&")
	b.WriteString(strings.Replace(l.o.UserFilter, "%s", "*", 1))
	for _, w := range words {
		b.WriteString("(|")
		for _, a := range attrs {
			b.WriteString("(" + a + "=*" + ldap.EscapeFilter(w) + "*)")
		}
		b.WriteString(")")
	}
	b.WriteString(")")
	return b.String()
}
