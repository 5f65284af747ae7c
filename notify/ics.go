package notify

import (
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
)

// calendarType is the media type of the calendar request (RFC 6047 §2.4).
const calendarType = "text/calendar; method=REQUEST"

// Formats of iCalendar DATE-TIME values (RFC 5545 §3.3.5).
const (
	icsLocal = "20060102T150405"
	icsUTC   = "20060102T150405Z"
)

// schedule is a Schedule checked, with its zone loaded.
type schedule struct {
	// start and end are in loc.
	start, end time.Time
	// loc is the zone; time.UTC for an empty TimeZone.
	loc *time.Location
}

// resolve checks s and loads its zone.
func (s *Schedule) resolve() (*schedule, error) {
	if s.Start.IsZero() || s.End.IsZero() {
		return nil, errors.New("notify: schedule: start and end are required")
	}
	if !s.End.After(s.Start) {
		return nil, fmt.Errorf("notify: schedule: end %v is not after start %v", s.End, s.Start)
	}
	loc := time.UTC
	if s.TimeZone != "" && s.TimeZone != "UTC" {
		var err error
		if loc, err = time.LoadLocation(s.TimeZone); err != nil {
			return nil, fmt.Errorf("notify: schedule: time zone %q: %w", s.TimeZone, err)
		}
	}
	return &schedule{start: s.Start.In(loc), end: s.End.In(loc), loc: loc}, nil
}

// String gives the time in a form that needs no translation:
// "2026-03-10 14:00–15:00 (Europe/London)", with the end's date when it
// falls on another day.
func (s *schedule) String() string {
	end := s.end.Format("15:04")
	if s.end.Format("2006-01-02") != s.start.Format("2006-01-02") {
		end = s.end.Format("2006-01-02 15:04")
	}
	return fmt.Sprintf("%s–%s (%s)", s.start.Format("2006-01-02 15:04"), end, s.loc)
}

// calendarEvent is what the calendar request says.
type calendarEvent struct {
	// uid identifies the event across resends.
	uid string
	// summary is the event's title.
	summary string
	// desc is the join information.
	desc string
	// location is the link to join from.
	location string
	// organizer and attendee are the sender and the invitee.
	organizer, attendee *netmail.Address
	// reminder is the alarm's text.
	reminder string
	// sched is when.
	sched *schedule
	// stamp is when the request was made (DTSTAMP).
	stamp time.Time
}

// calendar returns the iCalendar request (RFC 5545, RFC 5546 §3.2.2) for e:
// a VTIMEZONE for the schedule's zone, then a VEVENT with a VALARM that
// fires 15 minutes before the start. Lines end in CRLF, as RFC 5545 §3.1
// says.
func calendar(e calendarEvent) (string, error) {
	cal := ics.NewCalendar()
	cal.SetProductId("-//Parley//Parley invitations//EN")
	cal.SetCalscale("GREGORIAN")
	cal.SetMethod(ics.MethodRequest)

	ev := ics.NewEvent(e.uid)
	ev.SetDtStampTime(e.stamp)
	if e.sched.loc == time.UTC {
		ev.SetProperty(ics.ComponentPropertyDtStart, e.sched.start.UTC().Format(icsUTC))
		ev.SetProperty(ics.ComponentPropertyDtEnd, e.sched.end.UTC().Format(icsUTC))
	} else {
		tzid := e.sched.loc.String()
		cal.AddVTimezone(vtimezone(e.sched.loc, e.sched.start, e.sched.end))
		ev.SetProperty(ics.ComponentPropertyDtStart, e.sched.start.Format(icsLocal), ics.WithTZID(tzid))
		ev.SetProperty(ics.ComponentPropertyDtEnd, e.sched.end.Format(icsLocal), ics.WithTZID(tzid))
	}
	ev.SetSequence(0)
	ev.SetStatus(ics.ObjectStatusConfirmed)
	ev.SetSummary(e.summary)
	ev.SetDescription(e.desc)
	ev.SetLocation(e.location)
	ev.SetURL(e.location)
	ev.SetOrganizer("mailto:"+e.organizer.Address, cn(e.organizer.Name)...)
	ev.AddAttendee("mailto:"+e.attendee.Address, append(cn(e.attendee.Name),
		&ics.KeyValues{Key: string(ics.ParameterRole), Value: []string{string(ics.ParticipationRoleReqParticipant)}},
		&ics.KeyValues{Key: string(ics.ParameterParticipationStatus), Value: []string{string(ics.ParticipationStatusNeedsAction)}},
		&ics.KeyValues{Key: string(ics.ParameterRsvp), Value: []string{"TRUE"}},
	)...)
	alarm := ev.AddAlarm()
	alarm.SetAction(ics.ActionDisplay)
	alarm.SetTrigger("-PT15M")
	alarm.SetProperty(ics.ComponentPropertyDescription, e.reminder)
	cal.AddVEvent(ev)

	var b strings.Builder
	if err := cal.SerializeTo(&b, ics.WithNewLineWindows); err != nil {
		return "", fmt.Errorf("notify: calendar: %w", err)
	}
	return b.String(), nil
}

// cn returns the CN parameter for a display name, or none for "". The
// library writes parameter values unquoted, with backslashes before
// , ; : ' and ", which RFC 5545 §3.2 does not know; those characters are
// left out, and ' becomes ’ so that O'Brien reads right.
func cn(name string) []ics.PropertyParameter {
	name = strings.Map(func(r rune) rune {
		switch {
		case r == '\'':
			return '’'
		case r == ',' || r == ';' || r == ':':
			return ' '
		case r == '"' || r == '\\' || r < ' ' || r == 0x7f:
			return -1
		}
		return r
	}, name)
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		return nil
	}
	return []ics.PropertyParameter{ics.WithCN(name)}
}

// vtimezone describes loc from the observance in force at the start of
// from's year to the last change before the end of to's year: one STANDARD
// or DAYLIGHT component per change, taken from Go's zone data, each with
// the DTSTART, TZOFFSETFROM, TZOFFSETTO and TZNAME of RFC 5545 §3.6.5.
// Outlook wants a VTIMEZONE for every TZID it is given; listing the
// changes of the event's year, rather than writing rules, stays right for
// zones whose rules have changed.
func vtimezone(loc *time.Location, from, to time.Time) *ics.VTimezone {
	tz := ics.NewTimezone(loc.String())
	t := time.Date(from.Year(), time.January, 1, 0, 0, 0, 0, loc)
	limit := time.Date(to.Year()+1, time.January, 1, 0, 0, 0, 0, loc)
	for range 100 { // a zone changes a few times a year; this bounds a bad one
		start, end := t.ZoneBounds()
		name, offset := t.Zone()
		before := offset
		onset := time.Date(1970, time.January, 1, 0, 0, 0, 0, time.UTC)
		if !start.IsZero() {
			_, before = start.Add(-time.Nanosecond).Zone()
			onset = start
		}
		var c ics.ComponentBase
		// DTSTART is the onset in the local time in force before it.
		c.SetProperty(ics.ComponentPropertyDtStart, onset.In(time.FixedZone("", before)).Format(icsLocal))
		c.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), utcOffset(before))
		c.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), utcOffset(offset))
		if name != "" && !strings.ContainsAny(name, "+-") {
			c.SetProperty(ics.ComponentProperty(ics.PropertyTzname), name)
		}
		if t.IsDST() {
			tz.Components = append(tz.Components, &ics.Daylight{ComponentBase: c})
		} else {
			tz.Components = append(tz.Components, &ics.Standard{ComponentBase: c})
		}
		if end.IsZero() || !end.Before(limit) {
			break
		}
		t = end
	}
	return tz
}

// utcOffset formats an offset in seconds east of UTC as RFC 5545 §3.3.14
// does: "+0100", "-0500", "+0530", with seconds when there are any.
func utcOffset(secs int) string {
	sign := '+'
	if secs < 0 {
		sign, secs = '-', -secs
	}
	s := fmt.Sprintf("%c%02d%02d", sign, secs/3600, secs/60%60)
	if secs%60 != 0 {
		s += fmt.Sprintf("%02d", secs%60)
	}
	return s
}
