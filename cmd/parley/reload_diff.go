package main

import (
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/parleyhq/parley/config"
)

// changeSet is what tells two versions of a list apart, by key (a room's
// or an extension's number, a trunk's name, a webhook's URL): what was
// added, removed and changed, each sorted.
type changeSet struct {
	Added, Removed, Changed []string
}

// empty reports whether nothing changed.
func (c changeSet) empty() bool {
	return len(c.Added)+len(c.Removed)+len(c.Changed) == 0
}

// String writes the changes as "+1000 -2000 ~3000"; "" when none.
func (c changeSet) String() string {
	var parts []string
	for _, g := range []struct {
		sign string
		keys []string
	}{{"+", c.Added}, {"-", c.Removed}, {"~", c.Changed}} {
		for _, k := range g.keys {
			parts = append(parts, g.sign+k)
		}
	}
	return strings.Join(parts, " ")
}

// reloadDiff is what a reload changes: the parts that take effect at once,
// and the settings that changed but need a restart (which the running
// server keeps as they were).
type reloadDiff struct {
	Rooms, Extensions, Trunks, Webhooks changeSet
	// Prompts is set when prompts.dir or prompts.announce_join_leave
	// changed.
	Prompts bool
	// DirectAllow is set when dialout.direct_allow changed.
	DirectAllow bool
	// Restart lists the settings that changed and are not applied live,
	// each as "rtp.ports changed: restart needed", in file order.
	Restart []string
	// Rebound lists the listeners a reload moved, each as "http.listen
	// 127.0.0.1:8081" or "sip.listen udp://127.0.0.1:5060 tcp://…" (set
	// by the app's rebindListeners and relistenSIP, not by diffConfig).
	Rebound []string
}

// Summary is the one line that says what changed, such as
// "rooms +1000 -2000 ~3000, extensions +2005, trunks ~pstn"; "no changes"
// when none did. Settings that need a restart are not in it (Restart).
func (d reloadDiff) Summary() string {
	var parts []string
	for _, s := range []struct {
		name string
		c    changeSet
	}{{"rooms", d.Rooms}, {"extensions", d.Extensions}, {"trunks", d.Trunks}, {"webhooks", d.Webhooks}} {
		if !s.c.empty() {
			parts = append(parts, s.name+" "+s.c.String())
		}
	}
	if d.Prompts {
		parts = append(parts, "prompts")
	}
	if d.DirectAllow {
		parts = append(parts, "dialout.direct_allow")
	}
	parts = append(parts, d.Rebound...)
	if len(parts) == 0 {
		return "no changes"
	}
	return strings.Join(parts, ", ")
}

// liveKeys are the config keys a reload applies at once (a section, or
// one key of a section: "http.tls"); every other key that changed needs a
// restart.
var liveKeys = []string{"rooms", "extensions", "trunks", "webhooks", "prompts", "dialout"}

// diffConfig compares the running config old with the new one. It is
// pure: it reads both and changes neither.
func diffConfig(old, new *config.Config) reloadDiff {
	d := reloadDiff{
		Rooms:      diffBy(old.Rooms, new.Rooms, func(r config.Room) string { return r.Number }, roomEqual),
		Extensions: diffBy(old.Extensions, new.Extensions, func(e config.Extension) string { return e.Number }, extensionEqual),
		Trunks:     diffBy(old.Trunks, new.Trunks, func(t config.Trunk) string { return t.Name }, trunkEqual),
		Webhooks:   diffBy(old.Webhooks, new.Webhooks, func(h config.Webhook) string { return h.URL }, webhookEqual),
		Prompts:    old.Prompts != new.Prompts,
		// Only direct_allow is in dialout today; a new key there would
		// show in Restart (below) until it is applied live.
		DirectAllow: !slices.Equal(old.Dialout.DirectAllow, new.Dialout.DirectAllow),
	}
	d.Restart = restartNeeded(reflect.ValueOf(*old), reflect.ValueOf(*new), "")
	return d
}

// restartNeeded lists the keys of the struct values o and n (config
// sections) that differ, outside liveSections, descending one level into
// sections so that the message names the key ("sip.listen"), and into
// nothing deeper; liveKeys are left out.
func restartNeeded(o, n reflect.Value, prefix string) []string {
	var out []string
	t := o.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue // the source lines: never a setting
		}
		key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if slices.Contains(liveKeys, prefix+key) {
			continue
		}
		ov, nv := o.Field(i), n.Field(i)
		if reflect.DeepEqual(ov.Interface(), nv.Interface()) {
			continue
		}
		if prefix == "" && f.Type.Kind() == reflect.Struct {
			if sub := restartNeeded(ov, nv, key+"."); len(sub) > 0 {
				out = append(out, sub...)
				continue
			}
		}
		out = append(out, prefix+key+" changed: restart needed")
	}
	return out
}

// withLive returns a copy of the running config old in which the liveKeys
// are next's: what runs once a reload has applied next, the settings that
// need a restart staying as they were (so that the next reload still
// reports them). It is pure.
func withLive(old, next *config.Config) *config.Config {
	out := *old
	ov, nv := reflect.ValueOf(&out).Elem(), reflect.ValueOf(next).Elem()
	for _, key := range liveKeys {
		o, n := ov, nv
		for _, k := range strings.Split(key, ".") {
			o, n = fieldByYAML(o, k), fieldByYAML(n, k)
		}
		o.Set(n)
	}
	return &out
}

// fieldByYAML returns the field of struct value v whose yaml key is key;
// it panics on a key that is not there, which TestWithLive rules out for
// liveKeys.
func fieldByYAML(v reflect.Value, key string) reflect.Value {
	t := v.Type()
	for i := range t.NumField() {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); k == key {
			return v.Field(i)
		}
	}
	panic("reload: no config key " + key)
}

// diffBy compares two lists of items keyed by key.
func diffBy[T any](old, new []T, key func(T) string, equal func(a, b T) bool) changeSet {
	was := make(map[string]T, len(old))
	for _, o := range old {
		was[key(o)] = o
	}
	var c changeSet
	seen := make(map[string]bool, len(new))
	for _, n := range new {
		k := key(n)
		seen[k] = true
		o, ok := was[k]
		switch {
		case !ok:
			c.Added = append(c.Added, k)
		case !equal(o, n):
			c.Changed = append(c.Changed, k)
		}
	}
	for _, o := range old {
		if !seen[key(o)] {
			c.Removed = append(c.Removed, key(o))
		}
	}
	sort.Strings(c.Added)
	sort.Strings(c.Removed)
	sort.Strings(c.Changed)
	return c
}

func roomEqual(a, b config.Room) bool { return reflect.DeepEqual(a, b) }

func extensionEqual(a, b config.Extension) bool { return reflect.DeepEqual(a, b) }

func webhookEqual(a, b config.Webhook) bool { return reflect.DeepEqual(a, b) }

// trunkEqual compares trunks, their allow patterns by their source text
// (compiled patterns are not comparable).
func trunkEqual(a, b config.Trunk) bool {
	pattern := func(t config.Trunk) []string {
		out := make([]string, len(t.Allow))
		for i, re := range t.Allow {
			out[i] = re.String()
		}
		return out
	}
	return a.Name == b.Name && a.Proxy == b.Proxy && a.Username == b.Username && a.Password == b.Password &&
		a.CallerID == b.CallerID && a.SRTP == b.SRTP && slices.Equal(pattern(a), pattern(b))
}
