package notify

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	stdhtml "html"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
)

// part is one leaf of a parsed MIME message.
type part struct {
	// mediaType and params are its Content-Type.
	mediaType string
	params    map[string]string
	// filename is its Content-Disposition filename, or "".
	filename string
	// body is its content, transfer-decoded.
	body string
}

// parseMIME parses a whole message with net/mail and mime/multipart and
// returns its headers and leaf parts, depth first.
func parseMIME(t *testing.T, data []byte) (mail.Header, []part) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("ReadMessage: %v", err)
	}
	var parts []part
	var walk func(ct, cte, disp string, body io.Reader)
	walk = func(ct, cte, disp string, body io.Reader) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("Content-Type %q: %v", ct, err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatalf("NextPart: %v", err)
				}
				// NextPart decodes quoted-printable itself and drops the
				// header; base64 is left to us.
				walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p.Header.Get("Content-Disposition"), p)
			}
		}
		if strings.EqualFold(cte, "base64") {
			body = base64.NewDecoder(base64.StdEncoding, body)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatalf("read %s part: %v", mt, err)
		}
		pt := part{mediaType: mt, params: params, body: string(b)}
		if disp != "" {
			_, dp, _ := mime.ParseMediaType(disp)
			pt.filename = dp["filename"]
		}
		parts = append(parts, pt)
	}
	walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), "", msg.Body)
	return msg.Header, parts
}

// find returns the first part of media type mt, with filename name when
// name is not "".
func find(parts []part, mt, name string) (part, bool) {
	for _, p := range parts {
		if p.mediaType == mt && (name == "" || p.filename == name) && (name != "" || p.filename == "") {
			return p, true
		}
	}
	return part{}, false
}

// testInvitation is a scheduled invitation in Europe/London in summer.
func testInvitation(t *testing.T) Invitation {
	t.Helper()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skipf("no zone data: %v", err)
	}
	return Invitation{
		To:           "ann@example.com",
		Name:         "Ann O'Neil",
		Language:     "en",
		RoomName:     "Weekly <sync> & plan",
		RoomNumber:   "1000",
		PIN:          "4321",
		PersonalLink: "https://meet.example.com/join/personal-TOKEN?x=1&y=2",
		GuestLink:    "https://meet.example.com/join/guest-TOKEN",
		DialIn:       []DialIn{{Number: "+441632960000", Label: "London"}},
		Schedule: &Schedule{
			Start:    time.Date(2026, time.July, 14, 14, 0, 0, 0, london),
			End:      time.Date(2026, time.July, 14, 15, 30, 0, 0, london),
			TimeZone: "Europe/London",
		},
		UID: "invitation-42@meet.example.com",
	}
}

// newTestMailer returns a Mailer for the test server at port, with a fixed
// clock.
func newTestMailer(t *testing.T, cfg MailConfig) *Mailer {
	t.Helper()
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.From == "" {
		cfg.From = "Parley <parley@example.com>"
	}
	cfg.Timeout = 10 * time.Second
	m, err := NewMailer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m.now = func() time.Time { return time.Date(2026, time.June, 1, 9, 0, 0, 0, time.UTC) }
	return m
}

func TestMailerSendsInvitation(t *testing.T) {
	srv := startSMTP(t, smtpOptions{})
	m := newTestMailer(t, MailConfig{Port: srv.port})
	inv := testInvitation(t)
	ctx := context.Background()
	if err := m.Send(ctx, inv); err != nil {
		t.Fatalf("Send: %v", err)
	}
	msgs := srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("server received %d messages, want 1", len(msgs))
	}
	if st := m.Stats(); st != (SendStats{Sent: 1}) {
		t.Errorf("Stats() = %+v, want 1 sent", st)
	}
	got := msgs[0]
	if got.from != "parley@example.com" || len(got.to) != 1 || got.to[0] != "ann@example.com" {
		t.Errorf("envelope from %q to %q", got.from, got.to)
	}

	hdr, parts := parseMIME(t, got.data)
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(hdr.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Invitation: Weekly <sync> & plan, 2026-07-14 14:00–15:30 (Europe/London)"; subject != want {
		t.Errorf("Subject = %q, want %q", subject, want)
	}
	if to, err := hdr.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != "ann@example.com" || to[0].Name != "Ann O'Neil" {
		t.Errorf("To = %v (%v)", to, err)
	}

	text, ok := find(parts, "text/plain", "")
	if !ok {
		t.Fatalf("no text/plain part in %v", mediaTypes(parts))
	}
	for _, want := range []string{
		"Hello Ann O'Neil,",
		"You are invited to Weekly <sync> & plan.",
		"When: 2026-07-14 14:00–15:30 (Europe/London)",
		"Your personal link (please do not share it): https://meet.example.com/join/personal-TOKEN?x=1&y=2",
		"Others can join with this link: https://meet.example.com/join/guest-TOKEN",
		"Dial in: +441632960000 (London)",
		"Room number: 1000",
		"PIN: 4321",
		"Works in Chrome, Edge, Safari and Firefox; no install needed.",
		"A calendar invitation is attached.",
	} {
		if !strings.Contains(text.body, want) {
			t.Errorf("text part lacks %q:\n%s", want, text.body)
		}
	}

	html, ok := find(parts, "text/html", "")
	if !ok {
		t.Fatalf("no text/html part in %v", mediaTypes(parts))
	}
	for _, want := range []string{
		`<a href="https://meet.example.com/join/personal-TOKEN?x=1&amp;y=2">https://meet.example.com/join/personal-TOKEN?x=1&amp;y=2</a>`,
		`<a href="https://meet.example.com/join/guest-TOKEN">`,
		"You are invited to Weekly &lt;sync&gt; &amp; plan.",
		"Hello Ann O&#39;Neil,",
		`<html lang="en">`,
	} {
		if !strings.Contains(html.body, want) {
			t.Errorf("html part lacks %q:\n%s", want, html.body)
		}
	}
	// html/template writes + as &#43;, which reads the same.
	for _, want := range []string{"Dial in: +441632960000 (London)", "Room number: 1000", "PIN: 4321"} {
		if !strings.Contains(stdhtml.UnescapeString(html.body), want) {
			t.Errorf("html part lacks %q:\n%s", want, html.body)
		}
	}
	if strings.Contains(html.body, "<sync>") {
		t.Errorf("html part has the room name unescaped:\n%s", html.body)
	}

	att, ok := find(parts, "text/calendar", "invite.ics")
	if !ok {
		t.Fatalf("no invite.ics attachment in %v", mediaTypes(parts))
	}
	if att.params["method"] != "REQUEST" || att.params["name"] != "invite.ics" {
		t.Errorf("attachment Content-Type params = %v, want method=REQUEST, name=invite.ics", att.params)
	}
	if alt, ok := find(parts, "text/calendar", ""); !ok || alt.body != att.body || alt.params["method"] != "REQUEST" {
		t.Errorf("the text/calendar alternative is missing or differs from invite.ics")
	}
	checkCalendar(t, att.body, inv)

	// Resend: the same event, with the same UID.
	if err := m.Send(ctx, inv); err != nil {
		t.Fatalf("resend: %v", err)
	}
	msgs = srv.messages()
	if len(msgs) != 2 {
		t.Fatalf("server received %d messages, want 2", len(msgs))
	}
	_, parts2 := parseMIME(t, msgs[1].data)
	att2, ok := find(parts2, "text/calendar", "invite.ics")
	if !ok {
		t.Fatal("resend has no invite.ics")
	}
	cal1, cal2 := parseICS(t, att.body), parseICS(t, att2.body)
	if id1, id2 := cal1.Events()[0].Id(), cal2.Events()[0].Id(); id1 != id2 || id1 != inv.UID {
		t.Errorf("UIDs %q and %q, want both %q", id1, id2, inv.UID)
	}
}

// parseICS parses an iCalendar text with golang-ical.
func parseICS(t *testing.T, s string) *ics.Calendar {
	t.Helper()
	cal, err := ics.ParseCalendar(strings.NewReader(s))
	if err != nil {
		t.Fatalf("ParseCalendar: %v\n%s", err, s)
	}
	return cal
}

// checkCalendar checks the calendar request sent for inv.
func checkCalendar(t *testing.T, s string, inv Invitation) {
	t.Helper()
	if !strings.Contains(s, "\r\n") || strings.Contains(strings.ReplaceAll(s, "\r\n", ""), "\n") {
		t.Errorf("calendar lines do not all end in CRLF")
	}
	cal := parseICS(t, s)
	props := map[string]string{}
	for _, p := range cal.CalendarProperties {
		props[p.IANAToken] = p.Value
	}
	if props["METHOD"] != "REQUEST" || props["VERSION"] != "2.0" {
		t.Errorf("calendar properties %v, want METHOD:REQUEST and VERSION:2.0", props)
	}
	events := cal.Events()
	if len(events) != 1 {
		t.Fatalf("%d events, want 1", len(events))
	}
	ev := events[0]
	if ev.Id() != inv.UID {
		t.Errorf("UID = %q, want %q", ev.Id(), inv.UID)
	}
	for _, p := range []struct {
		prop  ics.ComponentProperty
		local string
	}{{ics.ComponentPropertyDtStart, "20260714T140000"}, {ics.ComponentPropertyDtEnd, "20260714T153000"}} {
		got := ev.GetProperty(p.prop)
		if got == nil {
			t.Errorf("no %s", p.prop)
			continue
		}
		if got.Value != p.local || len(got.ICalParameters["TZID"]) != 1 || got.ICalParameters["TZID"][0] != "Europe/London" {
			t.Errorf("%s = %q %v, want %s;TZID=Europe/London", p.prop, got.Value, got.ICalParameters, p.local)
		}
	}
	start, err := ev.GetStartAt()
	if err != nil || !start.Equal(inv.Schedule.Start) {
		t.Errorf("GetStartAt() = %v, %v; want %v", start, err, inv.Schedule.Start)
	}
	end, err := ev.GetEndAt()
	if err != nil || !end.Equal(inv.Schedule.End) {
		t.Errorf("GetEndAt() = %v, %v; want %v", end, err, inv.Schedule.End)
	}
	if stamp, err := ev.GetDtStampTime(); err != nil || !stamp.Equal(time.Date(2026, time.June, 1, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("DTSTAMP = %v, %v", stamp, err)
	}
	value := func(p ics.ComponentProperty) string {
		if v := ev.GetProperty(p); v != nil {
			return v.Value
		}
		return ""
	}
	if got := value(ics.ComponentPropertySummary); got != inv.RoomName {
		t.Errorf("SUMMARY = %q, want %q", got, inv.RoomName)
	}
	if got := value(ics.ComponentPropertyLocation); got != inv.PersonalLink {
		t.Errorf("LOCATION = %q, want %q", got, inv.PersonalLink)
	}
	desc := value(ics.ComponentPropertyDescription)
	for _, want := range []string{inv.PersonalLink, "PIN: 4321", "Dial in: +441632960000 (London)", "Room number: 1000"} {
		if !strings.Contains(desc, want) {
			t.Errorf("DESCRIPTION lacks %q:\n%s", want, desc)
		}
	}
	if got := value(ics.ComponentPropertyOrganizer); got != "mailto:parley@example.com" {
		t.Errorf("ORGANIZER = %q", got)
	}
	att := ev.Attendees()
	if len(att) != 1 || att[0].Email() != "ann@example.com" || att[0].ICalParameters["RSVP"][0] != "TRUE" {
		t.Errorf("ATTENDEE = %+v", att)
	}
	alarms := ev.Alarms()
	if len(alarms) != 1 {
		t.Fatalf("%d alarms, want 1", len(alarms))
	}
	a := alarms[0]
	if p := a.GetProperty(ics.ComponentPropertyAction); p == nil || p.Value != "DISPLAY" {
		t.Errorf("VALARM ACTION = %v", p)
	}
	if p := a.GetProperty(ics.ComponentPropertyTrigger); p == nil || p.Value != "-PT15M" {
		t.Errorf("VALARM TRIGGER = %v", p)
	}

	tzs := cal.Timezones()
	if len(tzs) != 1 {
		t.Fatalf("%d VTIMEZONEs, want 1", len(tzs))
	}
	if p := tzs[0].GetProperty(ics.ComponentPropertyTzid); p == nil || p.Value != "Europe/London" {
		t.Errorf("VTIMEZONE TZID = %v", p)
	}
	// Europe/London in 2026: GMT since October 2025, BST from 29 March,
	// GMT again from 25 October.
	var got []string
	for _, c := range tzs[0].SubComponents() {
		kind := "?"
		switch c.(type) {
		case *ics.Standard:
			kind = "STANDARD"
		case *ics.Daylight:
			kind = "DAYLIGHT"
		}
		base := c.UnknownPropertiesIANAProperties()
		vals := map[string]string{}
		for _, p := range base {
			vals[p.IANAToken] = p.Value
		}
		got = append(got, kind+" "+vals["DTSTART"]+" "+vals["TZOFFSETFROM"]+" "+vals["TZOFFSETTO"]+" "+vals["TZNAME"])
	}
	want := []string{
		"STANDARD 20251026T020000 +0100 +0000 GMT",
		"DAYLIGHT 20260329T010000 +0000 +0100 BST",
		"STANDARD 20261025T020000 +0100 +0000 GMT",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("VTIMEZONE observances:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// mediaTypes lists the parts' types, for messages.
func mediaTypes(parts []part) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p.mediaType+" "+p.filename)
	}
	return out
}

// TestMailerUnscheduled checks a mail without a schedule: no calendar, a
// plain subject, French text.
func TestMailerUnscheduled(t *testing.T) {
	srv := startSMTP(t, smtpOptions{})
	m := newTestMailer(t, MailConfig{Port: srv.port})
	inv := testInvitation(t)
	inv.Schedule, inv.UID, inv.GuestLink, inv.Name, inv.Language = nil, "", "", "", "fr"
	inv.SIPURI = "sip:1000@meet.example.com"
	if err := m.Send(context.Background(), inv); err != nil {
		t.Fatal(err)
	}
	msgs := srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	hdr, parts := parseMIME(t, msgs[0].data)
	subject, _ := new(mime.WordDecoder).DecodeHeader(hdr.Get("Subject"))
	if subject != "Invitation : Weekly <sync> & plan" {
		t.Errorf("Subject = %q", subject)
	}
	if _, ok := find(parts, "text/calendar", "invite.ics"); ok {
		t.Error("unscheduled invitation has a calendar file")
	}
	text, _ := find(parts, "text/plain", "")
	for _, want := range []string{"Bonjour,", "Votre lien personnel (ne le partagez pas) : https://meet.example.com/join/personal-TOKEN?x=1&y=2", "Code PIN : 4321", "Par téléphone : +441632960000 (London)",
		"Depuis un téléphone ou une application SIP : sip:1000@meet.example.com"} {
		if !strings.Contains(text.body, want) {
			t.Errorf("text part lacks %q:\n%s", want, text.body)
		}
	}
	if strings.Contains(text.body, "Others can join") || strings.Contains(text.body, "D'autres") {
		t.Errorf("text part has a guest link line without a guest link:\n%s", text.body)
	}
}

// TestMailerStartTLS checks that StartTLS requires STARTTLS: refused by a
// server without it, used with authentication by one with it.
func TestMailerStartTLS(t *testing.T) {
	plain := startSMTP(t, smtpOptions{})
	m := newTestMailer(t, MailConfig{Port: plain.port, StartTLS: true})
	if err := m.Send(context.Background(), testInvitation(t)); err == nil {
		t.Error("Send to a server without STARTTLS succeeded with StartTLS required")
	}
	if n := len(plain.messages()); n != 0 {
		t.Errorf("server without STARTTLS received %d messages", n)
	}

	serverTLS, clientTLS := selfSigned(t)
	secure := startSMTP(t, smtpOptions{tls: serverTLS, users: map[string]string{"parley": "s3cret"}})
	m = newTestMailer(t, MailConfig{Port: secure.port, StartTLS: true, Username: "parley", Password: "s3cret", TLSConfig: clientTLS})
	if err := m.Send(context.Background(), testInvitation(t)); err != nil {
		t.Fatalf("Send with STARTTLS and AUTH: %v", err)
	}
	msgs := secure.messages()
	if len(msgs) != 1 || !msgs[0].tls || msgs[0].user != "parley" {
		t.Fatalf("received %+v, want one message over TLS from user parley", msgs)
	}

	m = newTestMailer(t, MailConfig{Port: secure.port, StartTLS: true, Username: "parley", Password: "wrong", TLSConfig: clientTLS})
	if err := m.Send(context.Background(), testInvitation(t)); err == nil {
		t.Error("Send with a wrong password succeeded")
	}
}

// TestMailerRefusesBadInvitations checks that a bad invitation fails before
// anything is sent.
func TestMailerRefusesBadInvitations(t *testing.T) {
	srv := startSMTP(t, smtpOptions{})
	m := newTestMailer(t, MailConfig{Port: srv.port})
	tests := []struct {
		name   string
		change func(*Invitation)
	}{
		{"bad address", func(i *Invitation) { i.To = "ann" }},
		{"no personal link", func(i *Invitation) { i.PersonalLink = "" }},
		{"javascript link", func(i *Invitation) { i.PersonalLink = "javascript:alert(1)" }},
		{"bad guest link", func(i *Invitation) { i.GuestLink = "/join/x" }},
		{"no uid", func(i *Invitation) { i.UID = "" }},
		{"end before start", func(i *Invitation) { i.Schedule.End = i.Schedule.Start.Add(-time.Minute) }},
		{"bad zone", func(i *Invitation) { i.Schedule.TimeZone = "Europe/Nowhere" }},
	}
	for _, tt := range tests {
		inv := testInvitation(t)
		tt.change(&inv)
		if err := m.Send(context.Background(), inv); err == nil {
			t.Errorf("%s: Send succeeded", tt.name)
		}
	}
	if n := len(srv.messages()); n != 0 {
		t.Errorf("server received %d messages", n)
	}
	if st := m.Stats(); st != (SendStats{}) {
		t.Errorf("Stats() = %+v, want nothing counted for bad invitations", st)
	}
}

// TestMailerContext checks that a cancelled context stops Send.
func TestMailerContext(t *testing.T) {
	srv := startSMTP(t, smtpOptions{})
	m := newTestMailer(t, MailConfig{Port: srv.port})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Send(ctx, testInvitation(t)); !errors.Is(err, context.Canceled) {
		t.Errorf("Send(cancelled) = %v, want context.Canceled", err)
	}
	if st := m.Stats(); st != (SendStats{Failed: 1}) {
		t.Errorf("Stats() = %+v, want 1 failed", st)
	}
}

func TestNewMailerErrors(t *testing.T) {
	for _, cfg := range []MailConfig{
		{From: "p@example.com"},
		{Host: "smtp.example.com"},
		{Host: "smtp.example.com", From: "parley"},
		{Host: "smtp.example.com", From: "p@example.com", Port: 70000},
	} {
		if _, err := NewMailer(cfg); err == nil {
			t.Errorf("NewMailer(%+v) succeeded", cfg)
		}
	}
}
