package rules

import (
	"testing"
	"time"
)

func TestLinkState(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	tests := []struct {
		name string
		link Link
		want LinkState
	}{
		{"open", Link{Active: true}, LinkValid},
		{"inside the window", Link{Active: true, ValidFrom: at(-time.Hour), ValidUntil: at(time.Hour)}, LinkValid},
		{"opens now", Link{Active: true, ValidFrom: at(0)}, LinkValid},
		{"opens in a second", Link{Active: true, ValidFrom: at(time.Second)}, LinkNotYetValid},
		{"ends now", Link{Active: true, ValidUntil: at(0)}, LinkExpired},
		{"ends in a nanosecond", Link{Active: true, ValidUntil: at(1)}, LinkValid},
		{"ended", Link{Active: true, ValidUntil: at(-time.Hour)}, LinkExpired},
		{"expired before it opened", Link{Active: true, ValidFrom: at(time.Hour), ValidUntil: at(-time.Hour)}, LinkExpired},
		{"switched off", Link{ValidFrom: at(-time.Hour)}, LinkInactive},
		{"switched off and expired", Link{ValidUntil: at(-time.Hour)}, LinkInactive},
		{"switched off, no access", Link{NoAccess: true}, LinkInactive},
		{"no access", Link{Active: true, NoAccess: true}, LinkNoAccess},
		{"no access and expired", Link{Active: true, NoAccess: true, ValidUntil: at(-time.Hour)}, LinkNoAccess},
		{"group link, guests off", Link{Active: true, NoGuests: true}, LinkNoGuests},
		{"guests off, not yet open", Link{Active: true, NoGuests: true, ValidFrom: at(time.Hour)}, LinkNotYetValid},
		{"guests off, expired", Link{Active: true, NoGuests: true, ValidUntil: at(-time.Hour)}, LinkExpired},
		{"guests off, switched off", Link{NoGuests: true}, LinkInactive},
	}
	for _, tt := range tests {
		if got := tt.link.State(now); got != tt.want {
			t.Errorf("%s: State = %q, want %q", tt.name, got, tt.want)
		}
	}
}
