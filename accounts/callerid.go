package accounts

import "github.com/go-ldap/ldap/v3"

// withCallerIDAttr adds the caller ID attribute, when one is configured,
// to the attributes a user search asks for.
func (l *LDAP) withCallerIDAttr(attrs []string) []string {
	if l.o.CallerIDAttr == "" {
		return attrs
	}
	return append(attrs, l.o.CallerIDAttr)
}

// callerID returns the user entry's caller ID attribute as the directory
// holds it, or "" when none is configured; the API checks its form where
// it is used.
func (l *LDAP) callerID(entry *ldap.Entry) string {
	if l.o.CallerIDAttr == "" {
		return ""
	}
	return entry.GetAttributeValue(l.o.CallerIDAttr)
}
