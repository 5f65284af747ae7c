package config

import (
	"errors"
	"testing"
)

// FuzzParse checks that no input makes Parse panic, that it returns either
// a Config or Errors, never both, and that a Config it returns validates.
func FuzzParse(f *testing.F) {
	f.Add([]byte(defaultYAML))
	f.Add([]byte("rtp:\n  ports: 20000-10000\n"))
	lookup := env(map[string]string{"X": "1", "PW": "secret"})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data, WithLookupEnv(lookup))
		if err != nil {
			if c != nil {
				t.Fatalf("Parse returned a Config and an error: %v", err)
			}
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("Parse error is %T %v, want non-empty Errors", err, err)
			}
			return
		}
		if c == nil {
			t.Fatal("Parse returned neither a Config nor an error")
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted a config that does not validate: %v", err)
		}
	})
}
