package per

import (
	"fmt"
	"strings"
)

// token is one lexical item of an ASN.1 module: an identifier or keyword, a
// number, a quoted string (text holds it without quotes) or a symbol.
type token struct {
	kind tokenKind
	text string
	line int
}

type tokenKind int

const (
	tokIdent tokenKind = iota
	tokNumber
	tokString
	tokSymbol
	tokEOF
)

// symbols are the multi-character symbols, longest first.
var symbols = []string{"::=", "...", "..", "[[", "]]"}

// lex splits an ASN.1 module text into tokens, dropping white space and
// comments (X.680 12.6: "--" to the end of the line or to the next "--", and
// "/* */" blocks).
func lex(src string) ([]token, error) {
	var toks []token
	line := 1
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
		case strings.HasPrefix(src[i:], "--"):
			i += 2
			for i < len(src) && src[i] != '\n' {
				if strings.HasPrefix(src[i:], "--") {
					i += 2
					break
				}
				i++
			}
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("line %d: unterminated /* comment", line)
			}
			line += strings.Count(src[i:i+2+end], "\n")
			i += end + 4
		case c == '"':
			j := i + 1
			var sb strings.Builder
			for ; ; j++ {
				if j >= len(src) {
					return nil, fmt.Errorf("line %d: unterminated string", line)
				}
				if src[j] == '"' {
					if j+1 < len(src) && src[j+1] == '"' {
						sb.WriteByte('"')
						j++
						continue
					}
					break
				}
				sb.WriteByte(src[j])
			}
			toks = append(toks, token{tokString, sb.String(), line})
			line += strings.Count(src[i:j], "\n")
			i = j + 1
		case isDigit(c):
			j := i
			for j < len(src) && isDigit(src[j]) {
				j++
			}
			toks = append(toks, token{tokNumber, src[i:j], line})
			i = j
		case isLetter(c) || (c == '&' && i+1 < len(src) && isLetter(src[i+1])):
			j := i + 1
			for j < len(src) {
				d := src[j]
				if d == '-' && j+1 < len(src) && src[j+1] == '-' {
					break
				}
				if !isLetter(d) && !isDigit(d) && d != '-' {
					break
				}
				j++
			}
			text := strings.TrimRight(src[i:j], "-")
			toks = append(toks, token{tokIdent, text, line})
			i += len(text)
		default:
			sym := string(c)
			for _, s := range symbols {
				if strings.HasPrefix(src[i:], s) {
					sym = s
					break
				}
			}
			if !strings.ContainsRune("{}()[],;|^<>.:!@'-", rune(sym[0])) {
				return nil, fmt.Errorf("line %d: unexpected character %q", line, c)
			}
			toks = append(toks, token{tokSymbol, sym, line})
			i += len(sym)
		}
	}
	return append(toks, token{tokEOF, "", line}), nil
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
