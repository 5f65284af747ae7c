// Package i18n is Parley's message catalogue: the words people read in
// invitations, join information, SMS texts, the guest join page and calendar
// reminders, in each language Parley speaks.
//
// The messages live in embedded JSON files, messages/LANG.json, one flat
// object of key → message per language; English (en.json) is the reference
// and every other file carries the same keys. The texts that only a page's
// script shows (the organisers' app) are in part files,
// messages/LANG.PART.json (en.app.json), merged into LANG's catalogue; a
// key may be in one file of a language only. A message may hold
// placeholders written {{name}}, filled in by Catalog.T. To add a language,
// add messages/LANG.json and its part files with every key of English; the
// tests check it.
//
// The catalogues are read once, on first use, and never change after; every
// function and method here is safe for concurrent use.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
)

// Fallback is the language used for unknown languages and for keys a
// catalogue lacks.
const Fallback = "en"

// files holds the message files.
//
//go:embed messages/*.json
var files embed.FS

// Catalog is the messages of one language. It is immutable and safe for
// concurrent use; get one with Lookup.
type Catalog struct {
	// lang is the language tag, e.g. "fr".
	lang string
	// msgs maps key to message.
	msgs map[string]string
	// fallback is the English catalogue; nil for English itself.
	fallback *Catalog
}

// catalogues maps language tag to catalogue, loaded once from files.
var catalogues = sync.OnceValue(func() map[string]*Catalog {
	cs, err := load()
	if err != nil {
		// The files are fixed at build time and the tests load them, so
		// this is a build that skipped its tests, like a bad
		// regexp.MustCompile.
		panic("i18n: " + err.Error())
	}
	return cs
})

// load reads every embedded message file.
func load() (map[string]*Catalog, error) {
	entries, err := files.ReadDir("messages")
	if err != nil {
		return nil, err
	}
	cs := make(map[string]*Catalog, len(entries))
	for _, e := range entries {
		name := e.Name()
		lang, _, _ := strings.Cut(strings.TrimSuffix(name, ".json"), ".")
		data, err := files.ReadFile(path.Join("messages", name))
		if err != nil {
			return nil, err
		}
		var msgs map[string]string
		if err := json.Unmarshal(data, &msgs); err != nil {
			return nil, fmt.Errorf("messages/%s: %w", name, err)
		}
		c := cs[lang]
		if c == nil {
			c = &Catalog{lang: lang, msgs: make(map[string]string, len(msgs))}
			cs[lang] = c
		}
		for k, v := range msgs {
			if _, dup := c.msgs[k]; dup {
				return nil, fmt.Errorf("messages/%s: key %q is in another file of %s too", name, k, lang)
			}
			c.msgs[k] = v
		}
	}
	en, ok := cs[Fallback]
	if !ok {
		return nil, fmt.Errorf("messages/%s.json is missing", Fallback)
	}
	for lang, c := range cs {
		if lang != Fallback {
			c.fallback = en
		}
	}
	return cs, nil
}

// Lookup returns the catalogue for the language tag lang (BCP 47, such as
// "fr", "fr-CA" or "de_DE"; case does not matter). A regional tag falls back
// to its language ("fr-CA" → "fr"), and a language Parley does not speak,
// or an empty tag, to English. It never returns nil.
func Lookup(lang string) *Catalog {
	cs := catalogues()
	tag := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(lang), "_", "-"))
	if c, ok := cs[tag]; ok {
		return c
	}
	if base, _, ok := strings.Cut(tag, "-"); ok {
		if c, ok := cs[base]; ok {
			return c
		}
	}
	return cs[Fallback]
}

// Languages returns the tags of the languages Parley speaks, sorted, e.g.
// ["de", "en", "fr"].
func Languages() []string {
	cs := catalogues()
	out := make([]string, 0, len(cs))
	for lang := range cs {
		out = append(out, lang)
	}
	slices.Sort(out)
	return out
}

// Lang returns the catalogue's language tag, e.g. "fr".
func (c *Catalog) Lang() string { return c.lang }

// Has reports whether the catalogue itself, without falling back to English,
// has a message for key.
func (c *Catalog) Has(key string) bool {
	_, ok := c.msgs[key]
	return ok
}

// T returns the message for key with its {{name}} placeholders replaced by
// args[name]. A key this language lacks is taken from English, and a key
// English lacks too is returned as is, so a missing message shows up
// rather than vanishes. A placeholder with no value in args is left
// written as {{name}}. Values are inserted once, as they are: a value that
// contains "{{x}}" is not expanded again, and nothing is escaped (escape for
// HTML or JSON where the text goes).
func (c *Catalog) T(key string, args map[string]string) string {
	msg, ok := c.msgs[key]
	if !ok && c.fallback != nil {
		msg, ok = c.fallback.msgs[key]
	}
	if !ok {
		return key
	}
	return expand(msg, args)
}

// expand replaces the {{name}} placeholders of msg with args[name] in one
// pass.
func expand(msg string, args map[string]string) string {
	if !strings.Contains(msg, "{{") {
		return msg
	}
	var b strings.Builder
	b.Grow(len(msg) + 32)
	for {
		i := strings.Index(msg, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(msg[i+2:], "}}")
		if j < 0 {
			break
		}
		name := strings.TrimSpace(msg[i+2 : i+2+j])
		b.WriteString(msg[:i])
		if v, ok := args[name]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(msg[i : i+2+j+2])
		}
		msg = msg[i+2+j+2:]
	}
	b.WriteString(msg)
	return b.String()
}

// Placeholders returns the names of the {{name}} placeholders in the
// message for key, in order of appearance, for tools and tests that check a
// translation carries the same placeholders as English.
func (c *Catalog) Placeholders(key string) []string {
	msg, ok := c.msgs[key]
	if !ok && c.fallback != nil {
		msg = c.fallback.msgs[key]
	}
	var names []string
	for {
		i := strings.Index(msg, "{{")
		if i < 0 {
			return names
		}
		j := strings.Index(msg[i+2:], "}}")
		if j < 0 {
			return names
		}
		names = append(names, strings.TrimSpace(msg[i+2:i+2+j]))
		msg = msg[i+2+j+2:]
	}
}

// Keys returns the keys of the catalogue's own messages, sorted.
func (c *Catalog) Keys() []string {
	keys := make([]string, 0, len(c.msgs))
	for k := range c.msgs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
