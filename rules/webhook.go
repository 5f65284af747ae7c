package rules

import (
	"errors"
	"net/url"
)

// MinWebhookSecret is the shortest webhook secret, in bytes. The secret
// keys the HMAC-SHA256 signature of every delivery (RFC 2104); a shorter
// key makes the signature guessable.
const MinWebhookSecret = 16

// errWebhookURL and errWebhookFragment are WebhookURL's errors. They do
// not show the URL, whose query may hold a credential.
var (
	errWebhookURL      = errors.New("want an http:// or https:// URL")
	errWebhookFragment = errors.New("must not have a fragment")
)

// WebhookURL checks the address webhook events are POSTed to: an absolute
// http:// or https:// URL with a host (RFC 9110 §4.2), and no fragment,
// which a request never carries (RFC 9110 §7.1). The error does not show
// s.
func WebhookURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "":
		return errWebhookURL
	case u.Fragment != "":
		return errWebhookFragment
	}
	return nil
}
