package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRewriteSections: the text between a scenario's markers is replaced,
// every other byte kept; a scenario without markers is added after the
// last section (or at the end); bad markers are errors naming the line.
func TestRewriteSections(t *testing.T) {
	const doc = "# B\n\nprose\n<!-- load:begin one-room -->\nold 1\nold 2\n<!-- load:end one-room -->\nmiddle\n" +
		"  <!-- load:begin setup-rate -->  \nold 3\n<!-- load:end setup-rate -->\n\n## Next\ntail"
	for _, tc := range []struct {
		name    string
		doc     string
		secs    []section
		want    string
		wantErr string
	}{
		{name: "one section", doc: doc, secs: []section{{"one-room", "new"}},
			want: "# B\n\nprose\n<!-- load:begin one-room -->\nnew\n<!-- load:end one-room -->\nmiddle\n" +
				"  <!-- load:begin setup-rate -->  \nold 3\n<!-- load:end setup-rate -->\n\n## Next\ntail"},
		{name: "both, in another order, one emptied", doc: doc, secs: []section{{"setup-rate", "s\n| a |\n"}, {"one-room", ""}},
			want: "# B\n\nprose\n<!-- load:begin one-room -->\n<!-- load:end one-room -->\nmiddle\n" +
				"  <!-- load:begin setup-rate -->  \ns\n| a |\n<!-- load:end setup-rate -->\n\n## Next\ntail"},
		{name: "a new section goes after the last end", doc: doc, secs: []section{{"mixed", "m"}, {"one-room", "o"}},
			want: "# B\n\nprose\n<!-- load:begin one-room -->\no\n<!-- load:end one-room -->\nmiddle\n" +
				"  <!-- load:begin setup-rate -->  \nold 3\n<!-- load:end setup-rate -->\n" +
				"\n<!-- load:begin mixed -->\nm\n<!-- load:end mixed -->\n\n## Next\ntail"},
		{name: "no markers: appended", doc: "# B\nno newline", secs: []section{{"browsers", "b\n"}},
			want: "# B\nno newline\n\n<!-- load:begin browsers -->\nb\n<!-- load:end browsers -->\n"},
		{name: "empty file", doc: "", secs: []section{{"browsers", "b"}},
			want: "\n<!-- load:begin browsers -->\nb\n<!-- load:end browsers -->\n"},
		{name: "nothing to write", doc: doc, want: doc},
		{name: "CRLF lines", doc: "a\r\n<!-- load:begin x -->\r\nold\r\n<!-- load:end x -->\r\nb\r\n", secs: []section{{"x", "new"}},
			want: "a\r\n<!-- load:begin x -->\r\nnew\n<!-- load:end x -->\r\nb\r\n"},
		{name: "end without begin", doc: "a\n<!-- load:end x -->\n", secs: []section{{"x", ""}},
			wantErr: "line 2: load:end x without its load:begin"},
		{name: "begin inside a section", doc: "<!-- load:begin x -->\n<!-- load:begin y -->\n", secs: []section{{"x", ""}},
			wantErr: "line 2: load:begin y inside section x (line 1)"},
		{name: "end of another section", doc: "<!-- load:begin x -->\n<!-- load:end y -->\n",
			wantErr: "line 2: load:end y in section x (line 1)"},
		{name: "left open", doc: "a\n<!-- load:begin x -->\nb\n", wantErr: "line 2: section x has no load:end"},
		{name: "a name twice", doc: "<!-- load:begin x -->\n<!-- load:end x -->\n<!-- load:begin x -->\n<!-- load:end x -->\n",
			wantErr: "line 3: a second section x"},
		{name: "not quite a marker", doc: "<!-- load:begin x\n", wantErr: "line 1: \"<!-- load:begin x\" is not a marker"},
		{name: "unknown kind", doc: "<!-- load:start x -->\n", wantErr: "line 1: \"<!-- load:start x -->\" is not a marker"},
		{name: "bad name in the file", doc: "<!-- load:begin One Room -->\n", wantErr: "is not a marker"},
		{name: "bad section name", doc: doc, secs: []section{{"One", ""}}, wantErr: `section name "One"`},
		{name: "a section twice", doc: doc, secs: []section{{"x", ""}, {"x", ""}}, wantErr: "section x given twice"},
		{name: "a body with a marker", doc: doc, secs: []section{{"x", "a\n <!-- load:end x -->\n"}},
			wantErr: "section x: line 2 of its text reads as a load marker"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := rewriteSections(tc.doc, tc.secs)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
			// A second run with the same sections changes nothing.
			again, err := rewriteSections(got, tc.secs)
			if err != nil || again != got {
				t.Errorf("second run: %v\n%q", err, again)
			}
		})
	}
}

// TestRewriteFile: the file is replaced with its mode kept, and a file
// with bad markers is refused untouched, before a run (checkSectionsFile)
// and after it.
func TestRewriteFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.md")
	bad := filepath.Join(dir, "bad.md")
	const badDoc = "x\n<!-- load:begin a -->\n"
	if err := os.WriteFile(good, []byte("p\n<!-- load:begin a -->\nold\n<!-- load:end a -->\nq\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(badDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkSectionsFile(good); err != nil {
		t.Errorf("check good: %v", err)
	}
	if err := rewriteFile(good, []section{{"a", "new"}}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(good)
	if want := "p\n<!-- load:begin a -->\nnew\n<!-- load:end a -->\nq\n"; string(b) != want {
		t.Errorf("good.md is %q, want %q", b, want)
	}
	if fi, err := os.Stat(good); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("good.md's mode: %v %v, want 0640", fi.Mode(), err)
	}
	for _, err := range []error{checkSectionsFile(bad), rewriteFile(bad, []section{{"a", "new"}})} {
		if err == nil || !strings.Contains(err.Error(), "bad.md: line 2: section a has no load:end") {
			t.Errorf("bad.md: error %v", err)
		}
	}
	if b, _ := os.ReadFile(bad); string(b) != badDoc {
		t.Errorf("bad.md was changed: %q", b)
	}
	if err := checkSectionsFile(filepath.Join(dir, "missing.md")); err == nil {
		t.Error("a missing file passed the check")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("%d files in the directory, want 2 (no temporary file left)", len(entries))
	}
}

// TestScenarioTables: each scenario's text is kept apart and headed with
// the run's facts; a scenario not finished is not among the sections.
func TestScenarioTables(t *testing.T) {
	var all strings.Builder
	n := 0
	st := &scenarioTables{w: &all, loadavgf: func() string { n++; return []string{"", "0.10", "0.20", "0.30", "0.40"}[n] }}
	st.Write([]byte("before\n"))
	st.startScenario("one-room")
	st.Write([]byte("\n### one room\n| t |\n"))
	st.startScenario("setup-rate")
	st.Write([]byte("unfinished\n"))
	ri := runInfo{machine: "2 × CPU", commit: "abc1234-dirty", command: "bin/parley-load -legs 20"}
	secs := st.sections(ri, options{bridgeCPU: 0, loadCPU: 1})
	if all.String() != "before\n\n### one room\n| t |\nunfinished\n" {
		t.Errorf("passed on %q", all.String())
	}
	if len(secs) != 1 || secs[0].name != "one-room" {
		t.Fatalf("sections %+v, want one-room alone", secs)
	}
	for _, want := range []string{"- machine: 2 × CPU\n", "- commit: abc1234-dirty\n", "0.10 when this scenario began, 0.20 when it ended; it took 0s",
		"- command: `bin/parley-load -legs 20`\n", "\n### one room\n| t |\n"} {
		if !strings.Contains(secs[0].body, want) {
			t.Errorf("section lacks %q:\n%s", want, secs[0].body)
		}
	}
	if strings.Contains(secs[0].body, "unfinished") || strings.Contains(secs[0].body, "before") {
		t.Errorf("section holds another's text:\n%s", secs[0].body)
	}
	st.finish()
	if secs := st.sections(ri, options{}); len(secs) != 2 || !strings.Contains(secs[1].body, "0.30 when this scenario began, 0.40 when it ended") {
		t.Errorf("after finish: %+v", secs)
	}
}

// TestCommandLine: words that a shell would split or expand are quoted.
func TestCommandLine(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		argv0 string
		args  []string
		want  string
	}{
		{filepath.Join(wd, "bin", "parley-load"), []string{"-legs", "200,400", "-jitter", "30ms"}, "bin/parley-load -legs 200,400 -jitter 30ms"},
		{"/usr/bin/parley-load", []string{"-dir", "a b", "-x", "it's", ""}, `/usr/bin/parley-load -dir 'a b' -x 'it'\''s' ''`},
	} {
		if got := commandLine(tc.argv0, tc.args); got != tc.want {
			t.Errorf("commandLine(%q, %q) = %q, want %q", tc.argv0, tc.args, got, tc.want)
		}
	}
}

// FuzzRewriteSections: whatever the file, rewriting either fails and
// reports why, or leaves every section's markers and the text outside the
// rewritten section as they were, puts the new text between its markers,
// and reads back as it was written.
func FuzzRewriteSections(f *testing.F) {
	f.Add("# B\n<!-- load:begin one-room -->\nold\n<!-- load:end one-room -->\ntail\n", "one-room", "| a |\n")
	f.Add("# B\n<!-- load:begin one-room -->\nold\n<!-- load:end one-room -->\ntail\n", "mixed", "m")
	f.Add("", "x", "")
	f.Add("<!-- load:end x -->", "x", "a")
	f.Add("a\r\n<!-- load:begin x -->\r\n<!-- load:end x -->", "x", "b\r\nc")
	f.Fuzz(func(t *testing.T, doc, name, body string) {
		out, err := rewriteSections(doc, []section{{name, body}})
		if err != nil {
			if out != "" {
				t.Fatalf("an error (%v) with output %q", err, out)
			}
			return
		}
		before, err1 := parseSections(splitLines(doc))
		after, err2 := parseSections(splitLines(out))
		if err1 != nil || err2 != nil {
			t.Fatalf("parses: before %v, after %v", err1, err2)
		}
		var got *span
		for i := range after {
			if after[i].name == name {
				got = &after[i]
			}
		}
		if got == nil {
			t.Fatalf("no section %s after the rewrite", name)
		}
		lines := splitLines(out)
		want, _ := sectionBody(section{name, body})
		if between := strings.Join(lines[got.begin+1:got.end], ""); between != want {
			t.Fatalf("between the markers %q, want %q", between, want)
		}
		// Outside the section the text is the document's, plus the
		// markers when the section is new.
		outside := strings.Join(lines[:got.begin], "") + strings.Join(lines[got.end+1:], "")
		existed := len(after) == len(before)
		if existed {
			old := splitLines(doc)
			for _, sp := range before {
				if sp.name == name {
					if o := strings.Join(old[:sp.begin], "") + strings.Join(old[sp.end+1:], ""); o != outside {
						t.Fatalf("outside the section %q, was %q", outside, o)
					}
				}
			}
		} else if len(after) != len(before)+1 || len(outside) < len(doc) {
			t.Fatalf("a new section: %d sections after, %d before; %d bytes outside, %d in the document", len(after), len(before), len(outside), len(doc))
		}
		again, err := rewriteSections(out, []section{{name, body}})
		if err != nil || again != out {
			t.Fatalf("not idempotent: %v\n%q\n%q", err, out, again)
		}
	})
}
