package api

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDirectoryQuery feeds arbitrary query strings to the directory
// search's parameters: either q is 1 to 100 characters of trimmed UTF-8
// without control characters and limit is 1 to 50, or the answer is a
// 400 *Error naming the parameter; nothing panics.
func FuzzDirectoryQuery(f *testing.F) {
	for _, s := range []string{"q=alice", "q=%20Bob%20&limit=5", "q=*)(uid=*&limit=50", "q=a&limit=51",
		"q=&limit=1", "limit=3", "q=a&q=b", "q=%ff", "q=a%00", "x=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, limit, err := parseDirectoryQuery(v)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest || e.Field == "" {
				t.Fatalf("%q: %v is not a 400 naming a field", raw, err)
			}
			return
		}
		if n := utf8.RuneCountInString(q); n < 1 || n > maxDirectoryQuery || !utf8.ValidString(q) ||
			q != strings.TrimSpace(q) || strings.ContainsFunc(q, isControl) {
			t.Fatalf("%q: accepted q %q", raw, q)
		}
		if limit < 1 || limit > maxDirectoryLimit {
			t.Fatalf("%q: accepted limit %d", raw, limit)
		}
	})
}
