package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	netmail "net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/parleyhq/parley/config"
	"github.com/parleyhq/parley/i18n"
)

// DefaultMailTimeout bounds dialling, and each exchange with, the mail
// server when MailConfig.Timeout is zero.
const DefaultMailTimeout = 30 * time.Second

// MailConfig says how to reach the mail server (RFC 5321).
type MailConfig struct {
	// Host is the server's host name or IP address; required.
	Host string
	// Port is the server's port; 0 means 587, submission (RFC 6409).
	// Port 465 is spoken with implicit TLS (RFC 8314).
	Port int
	// Username authenticates to the server, with the best mechanism it
	// offers; empty sends without authentication.
	Username string
	// Password goes with Username.
	Password config.Secret
	// From is the sender and the calendar events' organizer, such as
	// "Parley <parley@example.com>"; required.
	From string
	// StartTLS requires STARTTLS (RFC 3207): a server that does not offer
	// it fails the send before anything is sent. False uses STARTTLS when
	// offered and sends in clear otherwise.
	StartTLS bool
	// Timeout bounds dialling and each exchange; 0 means
	// DefaultMailTimeout.
	Timeout time.Duration
	// TLSConfig verifies the server's certificate; nil verifies it against
	// the system roots for Host. Tests and private CAs set it.
	TLSConfig *tls.Config
}

// MailConfigFrom returns the MailConfig for the smtp section of the
// config file.
func MailConfigFrom(c *config.SMTP) MailConfig {
	return MailConfig{Host: c.Host, Port: c.Port, Username: c.Username, Password: c.Password, From: c.From, StartTLS: c.StartTLS}
}

// Invitation is one email invitation to a room.
type Invitation struct {
	// To is the invitee's email address; required.
	To string
	// Name is the invitee's name, for the greeting and the To header;
	// optional.
	Name string
	// Language is the BCP 47 tag of the language to write in; see
	// i18n.Lookup for the fallbacks.
	Language string
	// RoomName is the room's display name: the mail's subject and the
	// calendar event's summary.
	RoomName string
	// RoomNumber is the number to type after dialling in.
	RoomNumber string
	// PIN is the room's attendee PIN; empty leaves it out.
	PIN string
	// PersonalLink is the invitee's own link, PUBLIC_URL/join/TOKEN; an
	// http(s) URL, required.
	PersonalLink string
	// GuestLink is the room's shared guest link, given when the room has
	// guest access; optional.
	GuestLink string
	// DialIn are the numbers to call.
	DialIn []DialIn
	// SIPURI is the room's SIP address, "sip:ROOM@HOST"; empty leaves it
	// out.
	SIPURI string
	// Schedule, when set, gives the session's time and adds an iCalendar
	// request (RFC 5546 METHOD:REQUEST) to the mail.
	Schedule *Schedule
	// UID identifies the calendar event (RFC 5545 §3.8.4.7), e.g.
	// "invitation-<link id>@<domain>"; required with Schedule. Keep it
	// stable: sending the same UID again updates the event the invitee
	// already has instead of adding a second one.
	UID string
	// Organizer is the email address the calendar event names as its
	// organizer, where replies go; empty uses the From address.
	Organizer string
}

// Schedule is when a session takes place.
type Schedule struct {
	// Start is when the session begins.
	Start time.Time
	// End is when it ends, after Start.
	End time.Time
	// TimeZone is the IANA zone the session is planned in, such as
	// "Europe/London"; the calendar event and the mail give times in it.
	// Empty means UTC.
	TimeZone string
}

// Mailer sends email invitations. It keeps no connection: each Send dials
// the server, sends one message and closes, so a Mailer is safe for
// concurrent use and needs no Close.
type Mailer struct {
	// cfg is the configuration, with defaults applied.
	cfg MailConfig
	// from is cfg.From parsed.
	from *netmail.Address
	// now gives DTSTAMP and the Date header; tests replace it.
	now func() time.Time
	// count counts the deliveries (Stats).
	count sendCounter
}

// NewMailer checks cfg and returns a Mailer. It does not contact the
// server.
func NewMailer(cfg MailConfig) (*Mailer, error) {
	if cfg.Host == "" {
		return nil, errors.New("notify: mail: host is required")
	}
	if cfg.Port == 0 {
		cfg.Port = 587
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("notify: mail: port %d is not 1-65535", cfg.Port)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultMailTimeout
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("notify: mail: negative timeout %v", cfg.Timeout)
	}
	if cfg.From == "" {
		return nil, errors.New("notify: mail: from is required")
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("notify: mail: from %q: %w", cfg.From, err)
	}
	m := &Mailer{cfg: cfg, from: from, now: time.Now}
	if _, err := m.client(); err != nil {
		return nil, err
	}
	return m, nil
}

// client returns a go-mail client for one send.
func (m *Mailer) client() (*mail.Client, error) {
	policy := mail.TLSOpportunistic
	if m.cfg.StartTLS {
		policy = mail.TLSMandatory
	}
	opts := []mail.Option{
		mail.WithPort(m.cfg.Port),
		mail.WithTimeout(m.cfg.Timeout),
		mail.WithTLSPortPolicy(policy),
	}
	if m.cfg.Port == 465 {
		opts = append(opts, mail.WithSSL())
	}
	if m.cfg.TLSConfig != nil {
		opts = append(opts, mail.WithTLSConfig(m.cfg.TLSConfig))
	}
	if m.cfg.Username != "" {
		opts = append(opts,
			mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(m.cfg.Username),
			mail.WithPassword(m.cfg.Password.Reveal()))
	}
	c, err := mail.NewClient(m.cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("notify: mail: %w", err)
	}
	return c, nil
}

// Send sends the invitation: a multipart/alternative mail with a plain-text
// and an HTML part and, when inv.Schedule is set, the calendar request
// twice, as Google Calendar sends it: as a text/calendar alternative, which
// Outlook shows with Accept and Decline, and as the attachment invite.ics
// (text/calendar; method=REQUEST). Sending the same Invitation again sends
// the same event, with the same UID.
//
// Send checks inv before it dials; ctx bounds the whole exchange. It
// returns an error for a bad invitation, a server that cannot be reached,
// refuses STARTTLS when required, refuses the credentials or the message.
func (m *Mailer) Send(ctx context.Context, inv Invitation) error {
	msg, err := m.message(inv)
	if err != nil {
		return err
	}
	c, err := m.client()
	if err != nil {
		return m.count.record(err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return m.count.record(fmt.Errorf("notify: mail to %s: %w", inv.To, err))
	}
	return m.count.record(nil)
}

// invitationHTML lays out the HTML part; it holds no words, which come from
// the catalogue.
//
//go:embed invitation.html
var invitationHTML string

// htmlTemplate is invitationHTML parsed; it is only executed after.
var htmlTemplate = template.Must(template.New("invitation.html").Parse(invitationHTML))

// htmlData is what htmlTemplate is executed with.
type htmlData struct {
	// Lang is the language tag of the text.
	Lang string
	// Subject is the mail's subject, the page title.
	Subject string
	// Paragraphs are the body's paragraphs, each a list of lines.
	Paragraphs [][]line
}

// message builds the mail for inv.
func (m *Mailer) message(inv Invitation) (*mail.Msg, error) {
	to, err := netmail.ParseAddress(inv.To)
	if err != nil {
		return nil, fmt.Errorf("notify: mail: invitee address %q: %w", inv.To, err)
	}
	if err := checkLink(inv.PersonalLink); err != nil {
		return nil, fmt.Errorf("notify: mail: personal link: %w", err)
	}
	if inv.GuestLink != "" {
		if err := checkLink(inv.GuestLink); err != nil {
			return nil, fmt.Errorf("notify: mail: guest link: %w", err)
		}
	}
	organizer := m.from
	if inv.Organizer != "" {
		if organizer, err = netmail.ParseAddress(inv.Organizer); err != nil {
			return nil, fmt.Errorf("notify: mail: organizer %q: %w", inv.Organizer, err)
		}
	}
	c := i18n.Lookup(inv.Language)
	now := m.now()

	var when string
	var sched *schedule
	if inv.Schedule != nil {
		if sched, err = inv.Schedule.resolve(); err != nil {
			return nil, err
		}
		if inv.UID == "" {
			return nil, errors.New("notify: mail: a scheduled invitation needs a UID")
		}
		when = sched.String()
	}

	subject := c.T(i18n.EmailSubject, map[string]string{"room": inv.RoomName})
	if sched != nil {
		subject = c.T(i18n.EmailSubjectScheduled, map[string]string{"room": inv.RoomName, "time": when})
	}
	paras := m.paragraphs(c, inv, when)
	var text strings.Builder
	for i, p := range paras {
		if i > 0 {
			text.WriteByte('\n')
		}
		for _, l := range p {
			text.WriteString(l.String())
			text.WriteByte('\n')
		}
	}
	var html bytes.Buffer
	if err := htmlTemplate.Execute(&html, htmlData{Lang: c.Lang(), Subject: subject, Paragraphs: paras}); err != nil {
		return nil, fmt.Errorf("notify: mail: html: %w", err)
	}

	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	msg.FromMailAddress(m.from)
	msg.AddToMailAddress(&netmail.Address{Name: inv.Name, Address: to.Address})
	msg.Subject(subject)
	msg.SetDateWithValue(now)
	msg.SetMessageID()
	msg.SetBodyString(mail.TypeTextPlain, text.String())
	msg.AddAlternativeString(mail.TypeTextHTML, html.String())
	if sched != nil {
		join := JoinInfo{Room: inv.RoomNumber, RoomName: inv.RoomName, Link: inv.PersonalLink, PIN: inv.PIN, DialIn: inv.DialIn,
			SIPURI: inv.SIPURI, Language: inv.Language}
		ics, err := calendar(calendarEvent{
			uid:       inv.UID,
			summary:   inv.RoomName,
			desc:      join.Text(),
			location:  inv.PersonalLink,
			organizer: organizer,
			attendee:  &netmail.Address{Name: inv.Name, Address: to.Address},
			reminder:  c.T(i18n.CalendarReminder, map[string]string{"room": inv.RoomName}),
			sched:     sched,
			stamp:     now,
		})
		if err != nil {
			return nil, err
		}
		msg.AddAlternativeString(mail.ContentType(calendarType), ics)
		if err := msg.AttachReader("invite.ics", strings.NewReader(ics), mail.WithFileContentType(mail.ContentType(calendarType))); err != nil {
			return nil, fmt.Errorf("notify: mail: attach invite.ics: %w", err)
		}
	}
	return msg, nil
}

// paragraphs returns the body: greeting; invitation and time; links,
// dial-in, room number and PIN; the note on the attached calendar file.
func (m *Mailer) paragraphs(c *i18n.Catalog, inv Invitation, when string) [][]line {
	greeting := c.T(i18n.EmailGreetingAnonymous, nil)
	if inv.Name != "" {
		greeting = c.T(i18n.EmailGreeting, map[string]string{"name": inv.Name})
	}
	intro := []line{{Before: c.T(i18n.EmailIntro, map[string]string{"room": inv.RoomName})}}
	if when != "" {
		intro = append(intro, line{Before: c.T(i18n.EmailWhen, map[string]string{"time": when})})
	}
	join := JoinInfo{Room: inv.RoomNumber, RoomName: inv.RoomName, Link: inv.PersonalLink, PIN: inv.PIN, DialIn: inv.DialIn, SIPURI: inv.SIPURI}
	details := join.details(c, i18n.EmailPersonalLink)
	if inv.GuestLink != "" {
		// After the personal link and the browsers line.
		guest := linkLine(c, i18n.EmailGuestLink, nil, inv.GuestLink)
		details = append(details[:1], append([]line{guest}, details[1:]...)...)
	}
	paras := [][]line{{{Before: greeting}}, intro, details}
	if when != "" {
		paras = append(paras, []line{{Before: c.T(i18n.EmailCalendar, nil)}})
	}
	return paras
}

// checkLink checks that s is an absolute http or https URL.
func checkLink(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", s)
	}
	return nil
}
