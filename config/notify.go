package config

import (
	"fmt"
	"mime"
	"net/mail"
	"net/url"
	"strings"
	"text/template"

	"github.com/parleyhq/parley/rules"
)

// This file checks the sections package notify uses: dial_in, smtp and sms.

// dialIn checks the dial-in numbers shown in join information.
func (v *validator) dialIn(nums []DialIn) {
	for i, d := range nums {
		p := index("dial_in", i)
		if d.Number == "" {
			v.add(p+".number", "required")
		} else if err := rules.CallerID(d.Number); err != nil {
			v.add(p+".number", "%v", err)
		}
	}
}

// smtp checks the mail server section, when present.
func (v *validator) smtp(s *SMTP) {
	if s == nil {
		return
	}
	if s.Host == "" {
		v.add("smtp.host", "required")
	} else if !validHost(s.Host) {
		v.add("smtp.host", "%q: not a host name or IP address", s.Host)
	}
	if s.Port < 1 || s.Port > 65535 {
		v.add("smtp.port", "%d: must be 1-65535", s.Port)
	}
	if s.Password != "" && s.Username == "" {
		v.add("smtp.username", "required with a password")
	}
	if s.From == "" {
		v.add("smtp.from", "required")
	} else if _, err := mail.ParseAddress(s.From); err != nil {
		v.add("smtp.from", "%q: not an email address", s.From)
	}
}

// smsMethods are the HTTP methods an SMS gateway may be called with.
var smsMethods = []string{"GET", "POST", "PUT", "PATCH"}

// sms checks the SMS gateway section, when present. Messages never contain
// the auth header, which holds a credential.
func (v *validator) sms(s *SMS) {
	if s == nil {
		return
	}
	if s.URL == "" {
		v.add("sms.url", "required")
	} else if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		v.add("sms.url", "%q: want an http:// or https:// URL", s.URL)
	} else if err := checkSMSTemplate(s.URL); err != nil {
		v.add("sms.url", "%v", err)
	}
	switch s.Method {
	case "GET", "POST", "PUT", "PATCH":
	default:
		v.add("sms.method", "%q: must be %s", s.Method, strings.Join(smsMethods, ", "))
	}
	if err := checkSMSTemplate(s.Body); err != nil {
		v.add("sms.body", "%v", err)
	}
	if s.ContentType != "" {
		if mt, _, err := mime.ParseMediaType(s.ContentType); err != nil || !strings.Contains(mt, "/") {
			v.add("sms.content_type", "%q: not a media type", s.ContentType)
		}
	}
	if h := s.AuthHeader.Reveal(); strings.ContainsAny(h, "\r\n") {
		v.add("sms.auth_header", "must be one line")
	} else if name, value, ok := strings.Cut(h, ":"); ok && rules.IsHTTPToken(name) && strings.TrimSpace(value) == "" {
		v.add("sms.auth_header", "%s: no value after the header name", name)
	}
	if c := s.DefaultCountry; c != "" && (len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z') {
		v.add("sms.default_country", "%q: want an ISO 3166-1 alpha-2 code in capitals, such as GB", c)
	}
}

// checkSMSTemplate checks that s parses as an SMS gateway template: Go
// text/template syntax in which to and text, written {{to}} and {{text}},
// are the only functions defined. Package notify executes it.
func checkSMSTemplate(s string) error {
	_, err := template.New("").Funcs(template.FuncMap{
		"to":   func() string { return "" },
		"text": func() string { return "" },
	}).Parse(s)
	if err != nil {
		// text/template says `template: :1: function "x" not defined`.
		return fmt.Errorf("bad template: line %s", strings.TrimPrefix(err.Error(), "template: :"))
	}
	return nil
}
