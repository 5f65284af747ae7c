package notify

import (
	"net/mail"
	"strings"
	"testing"
	"time"
)

// TestCalendarZones checks the calendar for a UTC schedule (times in Z, no
// VTIMEZONE) and for zones without daylight saving or with a half-hour
// offset.
func TestCalendarZones(t *testing.T) {
	tests := []struct {
		zone string
		want []string // lines the calendar must hold
		not  []string // lines it must not
	}{
		{"", []string{"DTSTART:20260110T090000Z", "DTEND:20260110T100000Z"}, []string{"BEGIN:VTIMEZONE"}},
		{"Asia/Tokyo", []string{"DTSTART;TZID=Asia/Tokyo:20260110T180000", "BEGIN:STANDARD", "TZOFFSETTO:+0900", "TZNAME:JST"}, []string{"BEGIN:DAYLIGHT"}},
		{"Asia/Kolkata", []string{"DTSTART;TZID=Asia/Kolkata:20260110T143000", "TZOFFSETTO:+0530"}, []string{"BEGIN:DAYLIGHT"}},
		{"America/New_York", []string{"DTSTART;TZID=America/New_York:20260110T040000", "DTSTART:20260308T020000", "TZOFFSETFROM:-0500", "TZOFFSETTO:-0400", "TZNAME:EDT"}, nil},
	}
	for _, tt := range tests {
		s := &Schedule{Start: time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC), End: time.Date(2026, 1, 10, 10, 0, 0, 0, time.UTC), TimeZone: tt.zone}
		sched, err := s.resolve()
		if err != nil {
			t.Skipf("zone %q: %v", tt.zone, err)
		}
		got, err := calendar(calendarEvent{
			uid: "u@example.com", summary: "S", desc: "D", location: "https://m.example.com/j",
			organizer: &mail.Address{Address: "p@example.com"}, attendee: &mail.Address{Name: "Smith, John; \"Jr\"", Address: "j@example.com"},
			reminder: "R", sched: sched, stamp: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		})
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.ReplaceAll(got, "\r\n ", ""), "\r\n")
		for _, w := range tt.want {
			if !contains(lines, w) {
				t.Errorf("%q: calendar lacks %q:\n%s", tt.zone, w, got)
			}
		}
		for _, w := range tt.not {
			if contains(lines, w) {
				t.Errorf("%q: calendar has %q:\n%s", tt.zone, w, got)
			}
		}
		if !strings.Contains(strings.ReplaceAll(got, "\r\n ", ""), "CN=Smith John Jr;") {
			t.Errorf("%q: attendee CN not cleaned:\n%s", tt.zone, got)
		}
	}
}

func contains(lines []string, s string) bool {
	for _, l := range lines {
		if l == s {
			return true
		}
	}
	return false
}

func TestUTCOffset(t *testing.T) {
	for secs, want := range map[int]string{0: "+0000", 3600: "+0100", -18000: "-0500", 19800: "+0530", -(3600 + 75): "-010115"} {
		if got := utcOffset(secs); got != want {
			t.Errorf("utcOffset(%d) = %q, want %q", secs, got, want)
		}
	}
}
