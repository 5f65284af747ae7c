package config

import (
	"strings"

	"github.com/parleyhq/parley/rules"
)

// callerIDs checks the caller IDs of users (extensions[].caller_id) and
// the patterns of trunks[].allowed_caller_ids; the rooms' and trunks' own
// caller_id are checked with the rest of a room and trunk.
func (v *validator) callerIDs(c *Config) {
	for i, e := range c.Extensions {
		if e.CallerID == "" {
			continue
		}
		if err := rules.CallerID(e.CallerID); err != nil {
			v.add(index("extensions", i)+".caller_id", "%v", err)
		}
	}
	for i, t := range c.Trunks {
		for j, re := range t.AllowedCallerIDs {
			if re == nil || re.String() == "" {
				v.add(index(index("trunks", i)+".allowed_caller_ids", j), "empty pattern")
			}
		}
	}
	if c.LDAP != nil && strings.ContainsAny(c.LDAP.Attributes.CallerID, " ()=*,") {
		v.add("ldap.attributes.caller_id", "%q: not an attribute name", c.LDAP.Attributes.CallerID)
	}
}
