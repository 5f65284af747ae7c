package webhook

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/parleyhq/parley/rules"
)

// TestEventsPinnedToBridge pins the events a hook may filter on to the
// events the bridge publishes: every constant of type bridge.EventType,
// read from the bridge's source, is one of rules.Events() and the other
// way round, and New accepts exactly those. A new bridge event that is not
// added to package rules fails here, not in a receiver's filter.
func TestEventsPinnedToBridge(t *testing.T) {
	ruleConsts := stringConsts(t, "../rules", func(*ast.ValueSpec) bool { return true })
	var bridgeEvents []string
	for name, expr := range constExprs(t, "../bridge", func(s *ast.ValueSpec) bool {
		id, ok := s.Type.(*ast.Ident)
		return ok && id.Name == "EventType"
	}) {
		v, ok := evalString(expr, ruleConsts)
		if !ok {
			t.Fatalf("bridge.%s: a value the test cannot read; write it as rules.EventX", name)
		}
		bridgeEvents = append(bridgeEvents, v)
	}
	slices.Sort(bridgeEvents)
	want := rules.Events()
	slices.Sort(want)
	if !slices.Equal(bridgeEvents, want) {
		t.Fatalf("bridge's EventType constants %q, rules.Events() %q: add the event to package rules", bridgeEvents, want)
	}
	for _, e := range bridgeEvents {
		if _, err := New([]Hook{{URL: "https://h.example.com/", Secret: testSecret, Events: []string{e}}}, Options{}); err != nil {
			t.Errorf("a hook filtering on the bridge's %q: %v", e, err)
		}
	}
	for _, e := range []string{"", "Joined", "kicked", "joined,left"} {
		if _, err := New([]Hook{{URL: "https://h.example.com/", Secret: testSecret, Events: []string{e}}}, Options{}); err == nil {
			t.Errorf("a hook filtering on %q: accepted", e)
		}
	}
}

// constExprs returns, by name, the value of every constant of the package
// in dir (test files left out) whose spec keep selects.
func constExprs(t *testing.T, dir string, keep func(*ast.ValueSpec) bool) map[string]ast.Expr {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	out := make(map[string]ast.Expr)
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				s := spec.(*ast.ValueSpec)
				if !keep(s) {
					continue
				}
				for i, name := range s.Names {
					if i >= len(s.Values) {
						t.Fatalf("%s: constant %s has no value of its own", f, name.Name)
					}
					out[name.Name] = s.Values[i]
				}
			}
		}
	}
	return out
}

// stringConsts returns the string literal constants of the package in dir.
func stringConsts(t *testing.T, dir string, keep func(*ast.ValueSpec) bool) map[string]string {
	t.Helper()
	out := make(map[string]string)
	for name, expr := range constExprs(t, dir, keep) {
		if v, ok := evalString(expr, nil); ok {
			out[name] = v
		}
	}
	return out
}

// evalString evaluates a string literal, or rules.NAME from ruleConsts.
func evalString(expr ast.Expr, ruleConsts map[string]string) (string, bool) {
	switch e := expr.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		v, err := strconv.Unquote(e.Value)
		return v, err == nil
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok && x.Name == "rules" {
			v, ok := ruleConsts[e.Sel.Name]
			return v, ok
		}
	}
	return "", false
}
