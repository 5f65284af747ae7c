package i18n

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
)

// TestEveryKeyInEveryLanguage checks that each language has exactly the
// keys of English, with the same placeholders, and that the key constants
// are the keys of en.json (the part files hold scripts' texts, which the
// pages' own tests check).
func TestEveryKeyInEveryLanguage(t *testing.T) {
	en := Lookup("en")
	if core := fileKeys(t, "en.json"); !slices.Equal(core, sorted(allKeys)) {
		t.Errorf("en.json keys and the key constants differ:\n en.json: %q\n consts: %q", core, sorted(allKeys))
	}
	langs := Languages()
	if len(langs) < 2 {
		t.Fatalf("Languages() = %q, want English and at least one more", langs)
	}
	for _, lang := range langs {
		c := Lookup(lang)
		if c.Lang() != lang {
			t.Errorf("Lookup(%q).Lang() = %q", lang, c.Lang())
		}
		for _, key := range en.Keys() {
			if !c.Has(key) {
				t.Errorf("%s.json: missing key %q", lang, key)
				continue
			}
			got, want := sorted(c.Placeholders(key)), sorted(en.Placeholders(key))
			if !slices.Equal(got, want) {
				t.Errorf("%s.json: %q has placeholders %q, English has %q", lang, key, got, want)
			}
		}
		for _, key := range c.Keys() {
			if !en.Has(key) {
				t.Errorf("%s.json: key %q is not in en.json", lang, key)
			}
		}
	}
}

// TestFilesAreFlatObjects checks that each file is a flat JSON object of
// non-empty strings.
func TestFilesAreFlatObjects(t *testing.T) {
	entries, err := files.ReadDir("messages")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := files.ReadFile("messages/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		for k, v := range m {
			if v == "" {
				t.Errorf("%s: %q is empty", e.Name(), k)
			}
		}
	}
}

// fileKeys returns the keys of the message file name, sorted.
func fileKeys(t *testing.T, name string) []string {
	t.Helper()
	data, err := files.ReadFile("messages/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return sorted(keys)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestLookup(t *testing.T) {
	tests := []struct{ tag, want string }{
		{"en", "en"}, {"fr", "fr"}, {"de", "de"},
		{"fr-CA", "fr"}, {"FR_ca", "fr"}, {"de-DE", "de"}, {" en-GB ", "en"},
		{"", "en"}, {"xx", "en"}, {"pt-BR", "en"}, {"-", "en"},
	}
	for _, tt := range tests {
		if got := Lookup(tt.tag).Lang(); got != tt.want {
			t.Errorf("Lookup(%q) = %q, want %q", tt.tag, got, tt.want)
		}
	}
}

func TestLanguages(t *testing.T) {
	if got, want := Languages(), []string{"de", "en", "fr"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Languages() = %q, want %q", got, want)
	}
}

func TestT(t *testing.T) {
	en, fr := Lookup("en"), Lookup("fr")
	tests := []struct {
		c    *Catalog
		key  string
		args map[string]string
		want string
	}{
		{en, JoinTitle, map[string]string{"room": "Weekly sync"}, "Join Weekly sync"},
		{fr, JoinTitle, map[string]string{"room": "Point hebdo"}, "Rejoindre Point hebdo"},
		{en, JoinDialIn, map[string]string{"number": "+441632960000", "label": "London"}, "Dial in: +441632960000 (London)"},
		{en, JoinBrowsers, nil, "Works in Chrome, Edge, Safari and Firefox; no install needed."},
		{en, SMSInvite, map[string]string{"name": "Ann", "room": "Sync", "link": "https://x/j/t"}, "Ann, join Sync: https://x/j/t"},
		{en, PageOpensAt, map[string]string{"time": "09:00"}, "This link opens at 09:00."},
		// A value is inserted as is, never expanded again.
		{en, JoinTitle, map[string]string{"room": "{{pin}}", "pin": "1234"}, "Join {{pin}}"},
		// A placeholder without a value stays visible.
		{en, JoinPIN, nil, "PIN: {{pin}}"},
		// An unknown key is returned as is.
		{fr, "no.such.key", nil, "no.such.key"},
	}
	for _, tt := range tests {
		if got := tt.c.T(tt.key, tt.args); got != tt.want {
			t.Errorf("%s.T(%q, %v) = %q, want %q", tt.c.Lang(), tt.key, tt.args, got, tt.want)
		}
	}
}

// TestTFallsBackToEnglish checks that a key a language lacks comes from
// English.
func TestTFallsBackToEnglish(t *testing.T) {
	en := Lookup("en")
	fr := &Catalog{lang: "fr", msgs: map[string]string{}, fallback: en}
	if got := fr.T(PageJoin, nil); got != "Join" {
		t.Errorf("T(missing in fr) = %q, want the English %q", got, "Join")
	}
}

func TestExpand(t *testing.T) {
	tests := []struct{ msg, want string }{
		{"", ""},
		{"plain", "plain"},
		{"{{a}}{{b}}", "AB"},
		{"x {{ a }} y", "x A y"},
		{"open {{a", "open {{a"},
		{"{{}}", "{{}}"},
		{"{{c}} and {{a}}", "{{c}} and A"},
	}
	for _, tt := range tests {
		if got := expand(tt.msg, map[string]string{"a": "A", "b": "B"}); got != tt.want {
			t.Errorf("expand(%q) = %q, want %q", tt.msg, got, tt.want)
		}
	}
}
