package rules

import (
	"slices"
	"testing"
)

func TestEvents(t *testing.T) {
	want := []string{"joined", "left", "talking", "muted", "role", "dial", "locked", "ended", "reloaded"}
	if got := Events(); !slices.Equal(got, want) {
		t.Errorf("Events() = %q, want %q", got, want)
	}
	Events()[0] = "changed"
	if Events()[0] != "joined" {
		t.Error("a caller changed the list")
	}
	for _, e := range want {
		if !IsEvent(e) {
			t.Errorf("IsEvent(%q) = false", e)
		}
	}
	for _, e := range []string{"", "Joined", "kicked", "joined "} {
		if IsEvent(e) {
			t.Errorf("IsEvent(%q) = true", e)
		}
	}
}
