package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The generated sections of BENCHMARKS.md (-benchmarks FILE): each
// scenario's tables sit between two marker lines,
//
//	<!-- load:begin one-room -->
//	…
//	<!-- load:end one-room -->
//
// and a run replaces what is between the markers of the scenarios it
// measured, leaving every other byte of the file as it was. A scenario
// with no markers yet gets them, with its section, after the file's last
// load:end marker (at the end of the file when it has none). A file whose
// markers do not pair up (an end without its begin, a begin inside another
// section, a name twice, a section left open, a line starting with
// "<!-- load:" that is no marker) is an error naming its line, and is not
// written.

const (
	markerPrefix = "<!-- load:"
	markerSuffix = " -->"
)

// section is one generated section: its scenario's name and its text.
type section struct {
	name string
	body string
}

// span is where a section's markers are in a file: the indices of the
// begin and end lines.
type span struct {
	name       string
	begin, end int
}

// marker parses a line as a load marker: its kind ("begin" or "end") and
// name; ok is false for a line that is no marker, and err is set for one
// that starts like a marker but is not one.
func marker(line string) (kind, name string, ok bool, err error) {
	l := strings.TrimSpace(line)
	if !strings.HasPrefix(l, markerPrefix) {
		return "", "", false, nil
	}
	inner, found := strings.CutSuffix(strings.TrimPrefix(l, markerPrefix), markerSuffix)
	if !found {
		return "", "", false, fmt.Errorf("%q is not a marker: want <!-- load:begin NAME --> or <!-- load:end NAME -->", l)
	}
	kind, name, found = strings.Cut(inner, " ")
	if !found || (kind != "begin" && kind != "end") || !validName(name) {
		return "", "", false, fmt.Errorf("%q is not a marker: want <!-- load:begin NAME --> or <!-- load:end NAME -->, NAME of a-z, 0-9 and -", l)
	}
	return kind, name, true, nil
}

// validName reports whether name may name a section: a-z, 0-9 and '-',
// not empty.
func validName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// splitLines splits doc into lines, each with its "\n" (the last one
// without, if doc does not end in one).
func splitLines(doc string) []string {
	return strings.SplitAfter(doc, "\n")
}

// parseSections finds the sections of doc's lines; errors name the line
// (1-based).
func parseSections(lines []string) ([]span, error) {
	var spans []span
	seen := map[string]bool{}
	open := -1 // index in spans of the section open, -1: none
	for i, line := range lines {
		kind, name, ok, err := marker(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		switch {
		case !ok:
		case kind == "begin" && open >= 0:
			return nil, fmt.Errorf("line %d: load:begin %s inside section %s (line %d) before its end", i+1, name, spans[open].name, spans[open].begin+1)
		case kind == "begin" && seen[name]:
			return nil, fmt.Errorf("line %d: a second section %s", i+1, name)
		case kind == "begin":
			seen[name] = true
			spans = append(spans, span{name: name, begin: i, end: -1})
			open = len(spans) - 1
		case open < 0:
			return nil, fmt.Errorf("line %d: load:end %s without its load:begin", i+1, name)
		case name != spans[open].name:
			return nil, fmt.Errorf("line %d: load:end %s in section %s (line %d)", i+1, name, spans[open].name, spans[open].begin+1)
		default:
			spans[open].end = i
			open = -1
		}
	}
	if open >= 0 {
		return nil, fmt.Errorf("line %d: section %s has no load:end", spans[open].begin+1, spans[open].name)
	}
	return spans, nil
}

// rewriteSections returns doc with each of secs between its markers, and
// the sections doc has no markers for added after its last load:end (or
// at its end); see the comment at the top of the file.
func rewriteSections(doc string, secs []section) (string, error) {
	lines := splitLines(doc)
	spans, err := parseSections(lines)
	if err != nil {
		return "", err
	}
	bodies := map[string]string{}
	for _, s := range secs {
		if !validName(s.name) {
			return "", fmt.Errorf("section name %q: want a-z, 0-9 and -", s.name)
		}
		if _, dup := bodies[s.name]; dup {
			return "", fmt.Errorf("section %s given twice", s.name)
		}
		b, err := sectionBody(s)
		if err != nil {
			return "", err
		}
		bodies[s.name] = b
	}
	var out strings.Builder
	next := 0 // the next line of doc to copy
	for _, sp := range spans {
		b, ok := bodies[sp.name]
		if !ok {
			continue
		}
		for _, l := range lines[next : sp.begin+1] {
			out.WriteString(l)
		}
		out.WriteString(b)
		next = sp.end
		delete(bodies, sp.name)
	}
	// The new sections go after the last load:end, or at the end.
	at := len(lines)
	if len(spans) > 0 {
		at = spans[len(spans)-1].end + 1
	}
	for _, l := range lines[next:at] {
		out.WriteString(l)
	}
	var added strings.Builder
	for _, s := range secs {
		if b, ok := bodies[s.name]; ok {
			fmt.Fprintf(&added, "\n%sbegin %s%s\n%s%send %s%s\n", markerPrefix, s.name, markerSuffix, b, markerPrefix, s.name, markerSuffix)
		}
	}
	if added.Len() > 0 {
		if s := out.String(); s != "" && !strings.HasSuffix(s, "\n") {
			out.WriteString("\n")
		}
		out.WriteString(added.String())
	}
	for _, l := range lines[at:] {
		out.WriteString(l)
	}
	return out.String(), nil
}

// sectionBody is s's text as it goes between the markers: ending in a
// newline, and refused if a line of it would read as a marker.
func sectionBody(s section) (string, error) {
	b := s.body
	if b != "" && !strings.HasSuffix(b, "\n") {
		b += "\n"
	}
	for i, l := range splitLines(b) {
		if strings.HasPrefix(strings.TrimSpace(l), markerPrefix) {
			return "", fmt.Errorf("section %s: line %d of its text reads as a load marker", s.name, i+1)
		}
	}
	return b, nil
}

// checkSectionsFile checks, before a run, that the file at path ("": no
// file) can be read and its markers pair up.
func checkSectionsFile(path string) error {
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if _, err := parseSections(splitLines(string(b))); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// rewriteFile rewrites the sections of the Markdown file at path; the
// file is replaced whole (a temporary file renamed over it), or, on an
// error, left as it was.
func rewriteFile(path string, secs []section) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	doc, err := rewriteSections(string(old), secs)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if bytes.Equal(old, []byte(doc)) {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, werr := tmp.WriteString(doc)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr, os.Chmod(tmp.Name(), info.Mode().Perm())); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
