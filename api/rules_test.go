package api

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/parleyhq/parley/rules"
)

// openAPIProperty is what the tests below read of a schema property in
// openapi.json.
type openAPIProperty struct {
	Pattern string           `json:"pattern"`
	Enum    []string         `json:"enum"`
	Items   *openAPIProperty `json:"items"`
}

// openAPIProperties returns the properties of each component schema of
// openapi.json.
func openAPIProperties(t *testing.T) map[string]map[string]openAPIProperty {
	t.Helper()
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]openAPIProperty `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	out := make(map[string]map[string]openAPIProperty, len(doc.Components.Schemas))
	for name, s := range doc.Components.Schemas {
		out[name] = s.Properties
	}
	return out
}

// TestOpenAPIEventNames pins the event types the OpenAPI document lists to
// the names package rules gives the bridge's events.
func TestOpenAPIEventNames(t *testing.T) {
	got := openAPIProperties(t)["Event"]["type"].Enum
	if want := rules.Events(); !slices.Equal(got, want) {
		t.Errorf("openapi.json Event.type enum = %q, want rules.Events() %q", got, want)
	}
}

// TestOpenAPIRoomPatterns checks that the patterns openapi.json gives a
// room's settings accept what package rules accepts, and refuse what it
// refuses, over a table of values.
func TestOpenAPIRoomPatterns(t *testing.T) {
	long := strings.Repeat("1", 33)
	values := []string{"", "0", "1000", "12a", "+441632960000", "+0123", "+12", strings.Repeat("1", 32), long,
		"+1234567890123456", "01632 960000", "١٢"}
	checks := []struct {
		field string
		rule  func(string) bool
	}{
		{"number", func(s string) bool { return rules.Number(s) == nil }},
		{"pin", func(s string) bool { return s == "" || rules.PIN(s) == nil }},
		{"moderator_pin", func(s string) bool { return s == "" || rules.PIN(s) == nil }},
		{"owner", func(s string) bool { return s == "" || rules.Number(s) == nil }},
		{"caller_id", func(s string) bool { return s == "" || rules.CallerID(s) == nil }},
	}
	schemas := openAPIProperties(t)
	for _, schema := range []string{"RoomRequest", "RoomPatch"} {
		props := schemas[schema]
		for _, c := range checks {
			prop, ok := props[c.field]
			if !ok {
				continue // RoomPatch has no number
			}
			if prop.Pattern == "" {
				t.Errorf("%s.%s has no pattern", schema, c.field)
				continue
			}
			re := regexp.MustCompile(prop.Pattern)
			for _, v := range values {
				if got, want := re.MatchString(v), c.rule(v); got != want {
					t.Errorf("%s.%s pattern %s matches %q: %v; the rule says %v", schema, c.field, prop.Pattern, v, got, want)
				}
			}
		}
		members := props["members"].Items
		if members == nil {
			t.Fatalf("%s.members has no items", schema)
		}
		re := regexp.MustCompile(members.Pattern)
		for _, v := range values {
			if got, want := re.MatchString(v), rules.Number(v) == nil; got != want {
				t.Errorf("%s.members pattern %s matches %q: %v; the rule says %v", schema, members.Pattern, v, got, want)
			}
		}
	}
	extension := schemas["TokenRequest"]["extension"].Pattern
	re := regexp.MustCompile(extension)
	for _, v := range values {
		if got, want := re.MatchString(v), v != "" && rules.Number(v) == nil; got != want {
			t.Errorf("TokenRequest.extension pattern %s matches %q: %v; the rule says %v", extension, v, got, want)
		}
	}
}
