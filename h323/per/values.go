package per

import (
	"fmt"
	"strconv"
	"strings"
)

// Seq is the value of a SEQUENCE or SET, keyed by component name; an absent
// OPTIONAL component has no key.
type Seq = map[string]any

// Choice is the value of a CHOICE: the chosen alternative's name and value.
// An unknown extension alternative decodes with Name "" and Value its
// encoding ([]byte); such a value cannot be encoded again.
type Choice struct {
	Name  string
	Value any
}

// Null is the value of NULL.
type Null struct{}

// BitString is the value of a BIT STRING: Len bits, first bit in the most
// significant bit of Bytes[0]; Bytes holds at least (Len+7)/8 octets.
type BitString struct {
	Bytes []byte
	Len   int
}

// OID is the value of an OBJECT IDENTIFIER, e.g. OID{0, 0, 8, 2250, 0, 7}.
type OID = []uint32

// Get walks v along path: each step is a Seq key, or a Choice alternative
// name that matches only the chosen one. It returns nil when a step is
// missing. Get(v) returns v.
func Get(v any, path ...string) any {
	for _, step := range path {
		switch x := v.(type) {
		case Seq:
			var ok bool
			if v, ok = x[step]; !ok {
				return nil
			}
		case Choice:
			if x.Name != step || step == "" {
				return nil
			}
			v = x.Value
		case *Choice:
			if x == nil || x.Name != step || step == "" {
				return nil
			}
			v = x.Value
		default:
			return nil
		}
	}
	return v
}

// Error is an Encode or Decode error: Path names the value, from the type's
// name down through component names, alternative names and [index] of
// SEQUENCE OF elements, e.g. "Setup-UUIE.sourceAddress[0].dialedDigits".
type Error struct {
	Path string
	Err  error
}

func (e *Error) Error() string { return e.Path + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// path is the position in a value being encoded or decoded, built as a
// linked list so that the happy path allocates no strings.
type path struct {
	parent *path
	name   string // a component or alternative name, or "" for an index
	index  int
}

func (p *path) field(name string) *path { return &path{parent: p, name: name} }
func (p *path) elem(i int) *path        { return &path{parent: p, index: i} }

func (p *path) String() string {
	var parts []string
	for q := p; q != nil; q = q.parent {
		if q.name == "" {
			parts = append(parts, "["+strconv.Itoa(q.index)+"]")
		} else if q.parent == nil {
			parts = append(parts, q.name)
		} else {
			parts = append(parts, "."+q.name)
		}
	}
	var sb strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		sb.WriteString(parts[i])
	}
	return sb.String()
}

func (p *path) errorf(format string, args ...any) error {
	return &Error{Path: p.String(), Err: fmt.Errorf(format, args...)}
}
