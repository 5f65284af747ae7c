package config

import (
	"encoding"
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// maxNodes bounds the nodes one document may decode to, counting each use
// of an alias again, so that aliases cannot blow a small file up. It is
// more than twice what a config of ten thousand extensions needs.
const maxNodes = 1 << 18

// decoder turns a yaml.Node tree into a Go value by reflection, following
// the yaml tags of the target's fields. Unlike yaml.Node.Decode it collects
// every error with its line, refuses unknown and duplicate keys, expands
// ${VAR} in scalars, and records the line of every setting it sets.
type decoder struct {
	// lookup resolves ${VAR}.
	lookup LookupFunc
	// src receives lines and failed paths.
	src *source
	// errs collects the errors found.
	errs Errors
	// nodes counts nodes visited, against maxNodes.
	nodes int
	// reported holds the errors already reported for a node, so that a
	// node reached through several aliases or merges is reported once.
	reported map[nodeError]bool
}

// nodeError identifies an error about a node, whatever the path it was
// reached by.
type nodeError struct {
	// n is the node the error is about.
	n *yaml.Node
	// msg is the message without the path.
	msg string
}

// Types the decoder treats specially.
var (
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	durationType        = reflect.TypeFor[time.Duration]()
	levelType           = reflect.TypeFor[slog.Level]()
)

// errorf records an error about node n, the setting at path, and marks path
// as failed, so that Validate does not report it a second time. An error
// already reported for n, reached by another path, is not repeated.
func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	if path != "" {
		d.src.failed[path] = true
	}
	msg := fmt.Sprintf(format, args...)
	if d.seen(n, msg) {
		return
	}
	if path != "" {
		msg = path + ": " + msg
	}
	d.errs = append(d.errs, Error{File: d.src.file, Line: n.Line, Msg: msg})
}

// seen reports whether msg was already reported for n, and remembers it.
func (d *decoder) seen(n *yaml.Node, msg string) bool {
	if d.reported == nil {
		d.reported = make(map[nodeError]bool)
	}
	k := nodeError{n, msg}
	if d.reported[k] {
		return true
	}
	d.reported[k] = true
	return false
}

// keyErrorf records an error about the key k of a mapping, once per key node.
func (d *decoder) keyErrorf(k *yaml.Node, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if d.seen(k, "") {
		return
	}
	d.errs = append(d.errs, Error{File: d.src.file, Line: k.Line, Msg: msg})
}

// decode stores n into v, which must be settable; path names v in errors.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	d.nodes++
	if d.nodes == maxNodes {
		d.errorf(n, "", "document too large: more than %d values (check for aliases)", maxNodes)
	}
	if d.nodes >= maxNodes {
		return
	}
	if _, ok := d.src.lines[path]; !ok && path != "" {
		d.src.lines[path] = n.Line
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return
		}
		n = n.Alias
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return
		}
		n = n.Content[0]
	}
	if isNull(n) {
		return
	}

	t := v.Type()
	switch {
	case t == durationType:
		s, ok := d.scalar(n, path, "a duration")
		if !ok {
			return
		}
		dur, err := time.ParseDuration(s)
		if err != nil {
			d.errorf(n, path, `%q: not a duration (write it like "30s" or "1m30s")`, s)
			return
		}
		v.SetInt(int64(dur))
		return
	case t == levelType:
		s, ok := d.scalar(n, path, "a log level")
		if !ok {
			return
		}
		var l slog.Level
		switch strings.ToLower(s) {
		case "debug":
			l = slog.LevelDebug
		case "info":
			l = slog.LevelInfo
		case "warn":
			l = slog.LevelWarn
		case "error":
			l = slog.LevelError
		default:
			d.errorf(n, path, "%q: must be debug, info, warn or error", s)
			return
		}
		v.SetInt(int64(l))
		return
	case t.Kind() == reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		d.decode(n, v.Elem(), path)
		return
	case v.CanAddr() && reflect.PointerTo(t).Implements(textUnmarshalerType):
		s, ok := d.scalar(n, path, "a string")
		if !ok {
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			d.errorf(n, path, "%q: %v", s, err)
		}
		return
	}

	switch t.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.errorf(n, path, "expected a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(c, s.Index(i), index(path, i))
		}
		v.Set(s)
	case reflect.Map:
		d.decodeMap(n, v, path)
	case reflect.String:
		if s, ok := d.scalar(n, path, "a string"); ok {
			v.SetString(s)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		s, ok := d.scalar(n, path, "an integer")
		if !ok {
			return
		}
		i, err := strconv.ParseInt(s, 10, t.Bits())
		if err != nil {
			d.errorf(n, path, "%q: not an integer", s)
			return
		}
		v.SetInt(i)
	case reflect.Float32, reflect.Float64:
		s, ok := d.scalar(n, path, "a number")
		if !ok {
			return
		}
		f, err := strconv.ParseFloat(s, t.Bits())
		if err != nil {
			d.errorf(n, path, "%q: not a number", s)
			return
		}
		v.SetFloat(f)
	case reflect.Bool:
		s, ok := d.scalar(n, path, "true or false")
		if !ok {
			return
		}
		switch strings.ToLower(s) {
		case "true", "yes", "on":
			v.SetBool(true)
		case "false", "no", "off":
			v.SetBool(false)
		default:
			d.errorf(n, path, "%q: must be true or false", s)
		}
	default:
		// A field of a type this decoder does not know is a bug in this
		// package, caught by the tests; report it rather than panic.
		d.errorf(n, path, "cannot decode into %s", t)
	}
}

// decodeStruct stores the mapping n into the struct v. Merge keys ("<<",
// YAML 1.1) are applied first, so that the mapping's own keys win.
func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "expected a mapping, got %s", describe(n))
		return
	}
	fields := fieldsOf(v.Type())
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge" {
			d.merge(n.Content[i+1], v, path)
		}
	}
	seen := make(map[string]int)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.keyErrorf(k, "keys%s must be plain strings, got %s", in(path), describe(k))
			continue
		}
		if k.Value == "<<" && k.ShortTag() == "!!merge" {
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.keyErrorf(k, "duplicate key %q%s (first at line %d)", k.Value, in(path), first)
			continue
		}
		seen[k.Value] = k.Line
		idx, ok := fields[k.Value]
		if !ok {
			msg := fmt.Sprintf("unknown key %q%s", k.Value, in(path))
			if s := suggest(k.Value, fields); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			d.keyErrorf(k, "%s", msg)
			continue
		}
		fp := join(path, k.Value)
		d.src.lines[fp] = k.Line
		d.decode(val, v.Field(idx), fp)
	}
}

// merge applies the value of a "<<" key, a mapping or a list of mappings,
// to the struct v; earlier mappings in a list win, as YAML 1.1 says.
func (d *decoder) merge(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.MappingNode:
		d.decodeStruct(n, v, path)
	case yaml.SequenceNode:
		for i := len(n.Content) - 1; i >= 0; i-- {
			d.merge(n.Content[i], v, path)
		}
	default:
		d.errorf(n, path, "<< must merge a mapping, got %s", describe(n))
	}
}

// decodeMap stores the mapping n into v, a map with string keys.
func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string) {
	t := v.Type()
	if t.Key().Kind() != reflect.String {
		d.errorf(n, path, "cannot decode into %s", t)
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "expected a mapping, got %s", describe(n))
		return
	}
	m := reflect.MakeMapWithSize(t, len(n.Content)/2)
	seen := make(map[string]int)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.keyErrorf(k, "keys%s must be plain strings, got %s", in(path), describe(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.keyErrorf(k, "duplicate key %q%s (first at line %d)", k.Value, in(path), first)
			continue
		}
		seen[k.Value] = k.Line
		fp := join(path, k.Value)
		d.src.lines[fp] = k.Line
		e := reflect.New(t.Elem()).Elem()
		d.decode(val, e, fp)
		m.SetMapIndex(reflect.ValueOf(k.Value).Convert(t.Key()), e)
	}
	v.Set(m)
}

// scalar returns the text of the scalar n with ${VAR} expanded. what names
// the expected type for the error when n is not a scalar.
func (d *decoder) scalar(n *yaml.Node, path, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, path, "expected %s, got %s", what, describe(n))
		return "", false
	}
	s, problems := expand(n.Value, d.lookup)
	for _, p := range problems {
		d.errorf(n, path, "%s", p)
	}
	return s, len(problems) == 0
}

// isNull reports whether n is a YAML null ("", "~", "null" unquoted).
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names the kind of n for an error, without quoting its value,
// which may be a secret.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		return "a number"
	case "!!bool":
		return "a boolean"
	case "!!null":
		return "nothing"
	}
	return "a string"
}

// in returns " in PATH", or "" at the top level.
func in(path string) string {
	if path == "" {
		return ""
	}
	return " in " + path
}

// fieldsOf maps the YAML keys of struct type t to field indexes: the yaml
// tag's name, or the lowercased field name; "-" and unexported fields are
// skipped.
func fieldsOf(t reflect.Type) map[string]int {
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		m[name] = i
	}
	return m
}

// suggest returns the known key closest to key when it is a likely typo.
func suggest(key string, fields map[string]int) string {
	best, bestDist := "", 3
	for name := range fields {
		if d := distance(key, name); d < bestDist || d == bestDist && best != "" && name < best {
			best, bestDist = name, d
		}
	}
	if bestDist > len(key)/2 {
		return ""
	}
	return best
}

// distance is the Levenshtein distance between a and b, over bytes.
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
