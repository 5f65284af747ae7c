package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Error is one problem found in a config file, at a line of that file.
//
// Msg names the offending setting by its path (for example "rtp.ports" or
// "rooms[2].pin") and never contains the value of a secret.
type Error struct {
	// File is the name given to Parse or the path given to Load; empty for a
	// Config built in code.
	File string
	// Line is the 1-based line of the offending node; 0 when unknown.
	Line int
	// Msg describes the problem, lowercase, without file or line.
	Msg string
}

// Error formats e as "FILE:LINE: message", leaving out what is unknown.
func (e Error) Error() string {
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	case e.File != "":
		return e.File + ": " + e.Msg
	case e.Line > 0:
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// Errors is every problem found in one config, in line order. Parse, Load and
// Validate return it as their error, so a caller can print all problems at
// once or inspect them with errors.As.
type Errors []Error

// Error joins the errors one per line, each as "FILE:LINE: message".
func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the errors one by one for errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// sortByLine orders errors by line, keeping errors without a line last and
// the order of discovery among equals.
func (es Errors) sortByLine() {
	key := func(e Error) int {
		if e.Line <= 0 {
			return int(^uint(0) >> 1)
		}
		return e.Line
	}
	sort.SliceStable(es, func(i, j int) bool { return key(es[i]) < key(es[j]) })
}

// dedup drops repeats of an error, which a mapping merged or aliased in
// several places gives.
func (es Errors) dedup() Errors {
	seen := make(map[Error]bool, len(es))
	out := es[:0]
	for _, e := range es {
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}

// source remembers where each setting of a parsed Config came from, so that
// Validate can report lines. It is nil for a Config built in code.
type source struct {
	// file is the name errors are reported under.
	file string
	// path is the file Load read; "" for Parse (File).
	path string
	// lines maps a setting's path ("rooms[0].pin") to its line.
	lines map[string]int
	// failed holds the paths that could not be decoded; Validate stays
	// silent about them and everything below them, to avoid a second error
	// for the same mistake.
	failed map[string]bool
}

// line returns the line of path, or of its nearest ancestor that has one.
func (s *source) line(path string) int {
	if s == nil {
		return 0
	}
	for p := path; p != ""; p = parent(p) {
		if l, ok := s.lines[p]; ok {
			return l
		}
	}
	return 0
}

// has reports whether path was written in the file.
func (s *source) has(path string) bool {
	if s == nil {
		return false
	}
	_, ok := s.lines[path]
	return ok
}

// isFailed reports whether path or one of its ancestors failed to decode.
func (s *source) isFailed(path string) bool {
	if s == nil {
		return false
	}
	for p := path; p != ""; p = parent(p) {
		if s.failed[p] {
			return true
		}
	}
	return false
}

// parent strips the last element of a path: "rooms[0].pin" → "rooms[0]" →
// "rooms" → "".
func parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// join appends a field name to a path.
func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// index appends a sequence index to a path.
func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}
