package e2e

import (
	"strings"
	"testing"
	"unicode"
)

// promqlWords are the identifiers of PromQL that name no metric: binary
// and set operators, modifiers, grouping keywords and the aggregation
// operators (which may be followed by by/without before their paren).
var promqlWords = map[string]bool{
	"and": true, "or": true, "unless": true, "bool": true, "offset": true, "by": true, "without": true,
	"on": true, "ignoring": true, "group_left": true, "group_right": true, "inf": true, "nan": true,
	"sum": true, "min": true, "max": true, "avg": true, "count": true, "stddev": true, "stdvar": true,
	"group": true, "topk": true, "bottomk": true, "quantile": true, "count_values": true, "atan2": true,
}

// promqlLabelLists are the keywords followed by a parenthesised list of
// label names.
var promqlLabelLists = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true,
	"group_left": true, "group_right": true}

// promqlMetrics returns the metric names expr selects: identifiers that
// are not followed by "(" (a function call), not keywords, not label names
// (inside {…} or after by/without/on/ignoring/group_*), not in a range or
// subquery […], not in a string, and not Grafana variables ($name).
func promqlMetrics(expr string) []string {
	var names []string
	r := []rune(expr)
	isIdent := func(c rune, first bool) bool {
		return c == '_' || c == ':' || unicode.IsLetter(c) || (!first && unicode.IsDigit(c))
	}
	skipString := func(i int) int { // r[i] is the quote; returns the index after the closing one
		q := r[i]
		for i++; i < len(r) && r[i] != q; i++ {
			if r[i] == '\\' && q != '`' {
				i++
			}
		}
		return i + 1
	}
	skipTo := func(i int, open, close rune) int { // r[i] is open; returns the index after its close
		depth := 0
		for i < len(r) {
			switch c := r[i]; {
			case c == '"' || c == '\'' || c == '`':
				i = skipString(i)
				continue
			case c == open:
				depth++
			case c == close:
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	nextNonSpace := func(i int) int {
		for i < len(r) && unicode.IsSpace(r[i]) {
			i++
		}
		return i
	}
	for i := 0; i < len(r); {
		c := r[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			i = skipString(i)
		case c == '{':
			i = skipTo(i, '{', '}')
		case c == '[':
			i = skipTo(i, '[', ']')
		case c == '$': // a Grafana variable
			for i++; i < len(r) && isIdent(r[i], false); i++ {
			}
		case unicode.IsDigit(c) || c == '.': // a number or a duration, with its unit or exponent
			for i++; i < len(r) && (isIdent(r[i], false) || r[i] == '.'); i++ {
			}
		case isIdent(c, true):
			start := i
			for i++; i < len(r) && isIdent(r[i], false); i++ {
			}
			word := string(r[start:i])
			next := nextNonSpace(i)
			switch {
			case promqlLabelLists[strings.ToLower(word)]:
				if next < len(r) && r[next] == '(' {
					i = skipTo(next, '(', ')')
				}
			case promqlWords[strings.ToLower(word)]:
			case next < len(r) && r[next] == '(': // a function
			default:
				names = append(names, word)
			}
		default:
			i++
		}
	}
	return names
}

// TestPromQLMetrics checks the tokenizer on the shapes the dashboard and
// the alert rules use.
func TestPromQLMetrics(t *testing.T) {
	tests := []struct {
		expr string
		want string
	}{
		{`up{job="parley"} == 0`, "up"},
		{`sum by (instance, le) (rate(parley_mixer_tick_seconds_bucket[5m]))`, "parley_mixer_tick_seconds_bucket"},
		{`histogram_quantile(0.99, sum without(job) (rate(a_bucket{x="y{z}"}[$__rate_interval])))`, "a_bucket"},
		{`a - time() < 14 * 86400`, "a"},
		{`(sum(increase(a{result="failed"}[15m])) / sum(increase(b[15m]))) > 0.2 and c offset 5m >= 10`, "a b c"},
		{`x / on(instance) group_left(channel) y`, "x y"},
		{"sum by (l) (rate(m{a=~\"b|c\", d!=`e`}[1h:5m]))", "m"},
		{`topk(5, sum by (kind) (rate(parley_guard_blocked_total{instance=~"$instance"}[$__rate_interval])))`, "parley_guard_blocked_total"},
		{`1e3 + 2.5 - vector(0)`, ""},
	}
	for _, tt := range tests {
		if got := strings.Join(promqlMetrics(tt.expr), " "); got != tt.want {
			t.Errorf("promqlMetrics(%q) = %q, want %q", tt.expr, got, tt.want)
		}
	}
}
