package e2e

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"strings"
	"testing"

	ics "github.com/arran4/golang-ical"
)

// The MIME reader of the invitation tests: a received mail split into its
// leaves, bodies decoded, and the invitation's iCalendar part parsed.

// mailPart is one leaf of a MIME message, its body decoded.
type mailPart struct {
	mediaType   string
	params      map[string]string
	disposition string
	filename    string
	body        string
}

// readMail is a received message: its headers and its leaves.
type readMail struct {
	header  mail.Header
	subject string
	parts   []mailPart
}

// part returns the first leaf of mediaType that is (attachment) or is not
// an attachment.
func (m readMail) part(t *testing.T, mediaType string, attachment bool) mailPart {
	t.Helper()
	for _, p := range m.parts {
		if p.mediaType == mediaType && (p.disposition == "attachment") == attachment {
			return p
		}
	}
	var have []string
	for _, p := range m.parts {
		have = append(have, p.mediaType+" "+p.disposition)
	}
	t.Fatalf("the mail has no %s part (attachment %v); it has %q", mediaType, attachment, have)
	return mailPart{}
}

// parseMail reads a message with net/mail and walks its MIME tree with
// mime/multipart, decoding quoted-printable and base64 bodies.
func parseMail(t *testing.T, data []byte) readMail {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the mail does not parse: %v\n%s", err, data)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("Subject %q: %v", msg.Header.Get("Subject"), err)
	}
	out := readMail{header: msg.Header, subject: subject}
	var walk func(h inviteHeader, body io.Reader)
	walk = func(h inviteHeader, body io.Reader) {
		mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
		if err != nil {
			mt, params = "text/plain", map[string]string{}
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatalf("%s: %v", mt, err)
				}
				walk(inviteHeader(p.Header), p)
			}
		}
		var r io.Reader = body
		switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
		case "quoted-printable":
			r = quotedprintable.NewReader(body)
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, body)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("%s part: %v", mt, err)
		}
		p := mailPart{mediaType: mt, params: params, body: string(b)}
		if d, dp, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil {
			p.disposition, p.filename = d, dp["filename"]
		}
		out.parts = append(out.parts, p)
	}
	walk(inviteHeader(msg.Header), msg.Body)
	return out
}

// inviteHeader is a MIME header of either the message or a part.
type inviteHeader map[string][]string

// Get returns the first value of key, canonicalised as net/textproto does.
func (h inviteHeader) Get(key string) string {
	return http.Header(h).Get(key)
}

// invitationEvent parses the calendar text with golang-ical and returns
// the calendar and its one event.
func invitationEvent(t *testing.T, text string) (*ics.Calendar, *ics.VEvent) {
	t.Helper()
	cal, err := ics.ParseCalendar(strings.NewReader(text))
	if err != nil {
		t.Fatalf("invite.ics does not parse: %v\n%s", err, text)
	}
	events := cal.Events()
	if len(events) != 1 {
		t.Fatalf("invite.ics has %d events, want 1:\n%s", len(events), text)
	}
	return cal, events[0]
}

// calendarProperty returns the value of the calendar-level property name.
func calendarProperty(cal *ics.Calendar, name string) string {
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == name {
			return p.Value
		}
	}
	return ""
}
