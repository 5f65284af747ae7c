package web

import "github.com/parleyhq/parley/i18n"

// Keys of the join page's messages that the i18n catalogue does not have
// yet, each with its English text. t uses the catalogue's message as soon
// as messages/en.json has the key, and the English text until then.
const (
	// keyNotValid tells a guest that no link has the token.
	keyNotValid = "page.not_valid"
	// keyTitle heads a page that knows no room.
	keyTitle = "page.title"
	// keyNotReady says joining from the browser is not available yet.
	keyNotReady = "page.not_ready"
	// keyUnavailable says the link could not be looked up.
	keyUnavailable = "page.unavailable"
)

// english holds the English text of the keys above.
var english = map[string]string{
	keyNotValid:    "This link is not valid.",
	keyTitle:       "Parley",
	keyNotReady:    "Joining from the browser is not available yet. Please dial in by phone for now.",
	keyUnavailable: "This link cannot be checked just now. Please try again in a minute.",
}

// t returns the message for key in c's language, falling back to the
// English text above while the catalogue lacks the key.
func t(c *i18n.Catalog, key string, args map[string]string) string {
	if i18n.Lookup(i18n.Fallback).Has(key) {
		return c.T(key, args)
	}
	return english[key]
}
