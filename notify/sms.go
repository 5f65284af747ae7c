package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/parleyhq/parley/config"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/rules"
)

// ErrBadNumber is returned, wrapped with the reason, for a phone number
// that is not a valid E.164 number, nor a valid national number of the
// default country. No request is made for it.
var ErrBadNumber = errors.New("bad phone number")

// DefaultSMSTimeout bounds one request to the gateway when
// SMSConfig.Timeout is zero.
const DefaultSMSTimeout = 15 * time.Second

// DefaultSMSBody is the body sent when SMSConfig.Body is empty and the
// method is not GET.
const DefaultSMSBody = `{"to": "{{to}}", "text": "{{text}}"}`

// SMSConfig says how to reach an HTTP SMS gateway.
type SMSConfig struct {
	// URL is the gateway's http(s) address; required. It may hold {{to}}
	// and {{text}}, which are URL-query-escaped.
	URL string
	// Method is GET, POST, PUT or PATCH; empty means POST.
	Method string
	// BodyTemplate is the request body, Go text/template syntax in which
	// {{to}} is the number in E.164 and {{text}} the message. Each value
	// is escaped for the body's content type: for JSON (a content type of
	// application/json or …+json) as the inside of a JSON string, so the
	// template writes the quotes: {"to": "{{to}}"}; for
	// application/x-www-form-urlencoded with URL query escaping
	// (to={{to}}&text={{text}}); for any other type not at all. Empty means
	// DefaultSMSBody, or no body with GET.
	BodyTemplate string
	// ContentType is the body's media type; empty means application/json
	// when the body starts with { or [, else
	// application/x-www-form-urlencoded.
	ContentType string
	// AuthHeader is sent with every request: a header line such as
	// "Authorization: Bearer TOKEN" or "X-API-Key: KEY", or the value of
	// Authorization alone ("Bearer TOKEN"); empty sends none.
	AuthHeader config.Secret
	// DefaultCountry is the ISO 3166-1 alpha-2 code, e.g. "GB", in which
	// national numbers such as 07911 123456 are read; empty accepts only
	// international numbers (+…).
	DefaultCountry string
	// Timeout bounds one request; 0 means DefaultSMSTimeout.
	Timeout time.Duration
	// Client makes the requests; nil means a client of its own.
	Client *http.Client
}

// SMSConfigFrom returns the SMSConfig for the sms section of the config
// file.
func SMSConfigFrom(c *config.SMS) SMSConfig {
	return SMSConfig{URL: c.URL, Method: c.Method, BodyTemplate: c.Body, ContentType: c.ContentType,
		AuthHeader: c.AuthHeader, DefaultCountry: c.DefaultCountry}
}

// SMS sends text messages through an HTTP gateway, one request a message.
// It is safe for concurrent use.
type SMS struct {
	// cfg is the configuration, with defaults applied.
	cfg SMSConfig
	// escape escapes values for the body.
	escape func(string) string
	// header and value are the auth header, or "".
	header, value string
	// client makes the requests.
	client *http.Client
	// count counts the deliveries (Stats).
	count sendCounter
}

// NewSMS checks cfg and returns an SMS. It does not contact the gateway.
func NewSMS(cfg SMSConfig) (*SMS, error) {
	if cfg.Method == "" {
		cfg.Method = http.MethodPost
	}
	switch cfg.Method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch:
	default:
		return nil, fmt.Errorf("notify: sms: method %q is not GET, POST, PUT or PATCH", cfg.Method)
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("notify: sms: url %q is not an http(s) URL", cfg.URL)
	}
	if cfg.BodyTemplate == "" && cfg.Method != http.MethodGet {
		cfg.BodyTemplate = DefaultSMSBody
	}
	if cfg.ContentType == "" && cfg.BodyTemplate != "" {
		cfg.ContentType = "application/x-www-form-urlencoded"
		if b := strings.TrimSpace(cfg.BodyTemplate); strings.HasPrefix(b, "{") || strings.HasPrefix(b, "[") {
			cfg.ContentType = "application/json"
		}
	}
	s := &SMS{cfg: cfg, escape: func(v string) string { return v }, client: cfg.Client}
	if cfg.ContentType != "" {
		mt, _, err := mime.ParseMediaType(cfg.ContentType)
		if err != nil || !strings.Contains(mt, "/") {
			return nil, fmt.Errorf("notify: sms: content type %q is not a media type", cfg.ContentType)
		}
		switch {
		case mt == "application/json" || strings.HasSuffix(mt, "+json"):
			s.escape = jsonEscape
		case mt == "application/x-www-form-urlencoded":
			s.escape = url.QueryEscape
		}
	}
	if _, err := s.render(cfg.URL, url.QueryEscape, "", ""); err != nil {
		return nil, fmt.Errorf("notify: sms: url: %w", err)
	}
	if _, err := s.render(cfg.BodyTemplate, s.escape, "", ""); err != nil {
		return nil, fmt.Errorf("notify: sms: body: %w", err)
	}
	if h := cfg.AuthHeader.Reveal(); h != "" {
		if strings.ContainsAny(h, "\r\n") {
			return nil, errors.New("notify: sms: auth header must be one line")
		}
		name, value, ok := strings.Cut(h, ":")
		if ok && rules.IsHTTPToken(name) {
			s.header, s.value = name, strings.TrimSpace(value)
		} else {
			s.header, s.value = "Authorization", strings.TrimSpace(h)
		}
	}
	if cfg.DefaultCountry != "" && !phonenumbers.GetSupportedRegions()[cfg.DefaultCountry] {
		return nil, fmt.Errorf("notify: sms: default country %q is not an ISO 3166-1 alpha-2 code with phone numbers", cfg.DefaultCountry)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultSMSTimeout
	}
	if s.client == nil {
		s.client = &http.Client{}
	}
	s.cfg = cfg
	return s, nil
}

// render executes the template tmpl with {{to}} and {{text}} set to to and
// text escaped by esc.
func (s *SMS) render(tmpl string, esc func(string) string, to, text string) (string, error) {
	t, err := template.New("").Funcs(template.FuncMap{
		"to":   func() string { return esc(to) },
		"text": func() string { return esc(text) },
	}).Parse(tmpl)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, nil); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Send sends text to the number to. It first checks and normalises the
// number to E.164 (national numbers are read in the default country):
// a bad number returns an error wrapping ErrBadNumber, and no request is
// made. It then makes the request and returns a *GatewayError when the
// gateway answers with a status other than 2xx. ctx bounds the request.
func (s *SMS) Send(ctx context.Context, to, text string) error {
	e164, err := E164(to, s.cfg.DefaultCountry)
	if err != nil {
		return fmt.Errorf("notify: sms: %w", err)
	}
	target, err := s.render(s.cfg.URL, url.QueryEscape, e164, text)
	if err != nil {
		return fmt.Errorf("notify: sms: url: %w", err)
	}
	var body io.Reader
	if s.cfg.BodyTemplate != "" {
		b, err := s.render(s.cfg.BodyTemplate, s.escape, e164, text)
		if err != nil {
			return fmt.Errorf("notify: sms: body: %w", err)
		}
		body = strings.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, s.cfg.Method, target, body)
	if err != nil {
		return fmt.Errorf("notify: sms: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", s.cfg.ContentType)
	}
	if s.header != "" {
		req.Header.Set(s.header, s.value)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return s.count.record(fmt.Errorf("notify: sms to %s: %w", e164, err))
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return s.count.record(&GatewayError{StatusCode: resp.StatusCode, Status: resp.Status, Body: string(bytes.ToValidUTF8(snippet, nil))})
	}
	return s.count.record(nil)
}

// GatewayError is the gateway's answer when it is not 2xx.
type GatewayError struct {
	// StatusCode is the HTTP status code, e.g. 503.
	StatusCode int
	// Status is the status line's text, e.g. "503 Service Unavailable".
	Status string
	// Body is the start of the response body, at most 512 bytes.
	Body string
}

// Error says the gateway refused the message, with its status and body.
func (e *GatewayError) Error() string {
	msg := "notify: sms gateway answered " + e.Status
	if b := strings.TrimSpace(e.Body); b != "" {
		msg += ": " + b
	}
	return msg
}

// E164 checks the phone number s and returns it in E.164 ("+447911123456").
// A number without a leading + is read as a national number of
// defaultCountry (ISO 3166-1 alpha-2, e.g. "GB"); with none, it must start
// with +. Spaces, dots, dashes and brackets are allowed. A number that is
// not valid for its country returns an error wrapping ErrBadNumber that
// says why.
func E164(s, defaultCountry string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("%w: empty", ErrBadNumber)
	}
	region := defaultCountry
	if region == "" {
		if !strings.HasPrefix(s, "+") {
			return "", fmt.Errorf("%w: %q: not international (+…) and no default country is set", ErrBadNumber, s)
		}
		region = "ZZ" // unknown region: only +… parses
	}
	n, err := phonenumbers.Parse(s, region)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %v", ErrBadNumber, s, err)
	}
	switch phonenumbers.IsPossibleNumberWithReason(n) {
	case phonenumbers.TOO_SHORT:
		return "", fmt.Errorf("%w: %q: too short", ErrBadNumber, s)
	case phonenumbers.TOO_LONG:
		return "", fmt.Errorf("%w: %q: too long", ErrBadNumber, s)
	case phonenumbers.INVALID_LENGTH:
		return "", fmt.Errorf("%w: %q: wrong length", ErrBadNumber, s)
	case phonenumbers.INVALID_COUNTRY_CODE:
		return "", fmt.Errorf("%w: %q: unknown country code", ErrBadNumber, s)
	case phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return "", fmt.Errorf("%w: %q: a local number: add the area code", ErrBadNumber, s)
	}
	if !phonenumbers.IsValidNumber(n) {
		return "", fmt.Errorf("%w: %q: not a number in use in its country", ErrBadNumber, s)
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// SMSText returns the short SMS invitation in the language lang, such as
// "Ann, join Weekly sync: https://meet.example.com/join/TOKEN"; with no
// name, "Join Weekly sync: …". A sipURI ("sip:ROOM@HOST") adds a second
// line with it, for a SIP phone or app, when the text stays within one
// SMS (smsLen characters).
func SMSText(lang, name, room, link, sipURI string) string {
	c := i18n.Lookup(lang)
	text := c.T(i18n.SMSInvite, map[string]string{"name": name, "room": room, "link": link})
	if name == "" {
		text = c.T(i18n.SMSInviteAnonymous, map[string]string{"room": room, "link": link})
	}
	if sipURI != "" {
		if long := text + "\n" + c.T(i18n.JoinSIP, map[string]string{"sip_uri": sipURI}); utf8.RuneCountInString(long) <= smsLen {
			text = long
		}
	}
	return text
}

// smsLen is the length of one SMS, in characters (GSM 03.38).
const smsLen = 160

// jsonEscape returns v as the inside of a JSON string: quoted as JSON, less
// the quotes.
func jsonEscape(v string) string {
	b, _ := json.Marshal(v) // a string always marshals
	return string(b[1 : len(b)-1])
}
