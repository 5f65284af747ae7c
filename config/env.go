package config

import (
	"fmt"
	"strings"
)

// LookupFunc looks up an environment variable; it has the signature of
// os.LookupEnv, which Load and Parse use unless WithLookupEnv says otherwise.
type LookupFunc func(name string) (value string, ok bool)

// expand replaces every ${NAME} in s with the value lookup gives for NAME.
// "$${" stands for a literal "${"; a "$" not followed by "{" is kept as is.
// NAME is a letter or underscore followed by letters, digits or underscores.
// Each unset variable, unterminated reference or bad name is one problem;
// expand reports them all.
func expand(s string, lookup LookupFunc) (string, []string) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var (
		b        strings.Builder
		problems []string
	)
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			b.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				problems = append(problems, fmt.Sprintf("unterminated %q", s[i:]))
				return s, problems
			}
			name := s[i+2 : i+2+end]
			i += 2 + end + 1
			if !validEnvName(name) {
				problems = append(problems, fmt.Sprintf("bad variable name %q in ${...}", name))
				continue
			}
			v, ok := lookup(name)
			if !ok {
				problems = append(problems, fmt.Sprintf("environment variable %s is not set", name))
				continue
			}
			b.WriteString(v)
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), problems
}

// validEnvName reports whether name is a portable environment variable name.
func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i, c := range name {
		switch {
		case c == '_', 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
