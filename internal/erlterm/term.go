// Package erlterm writes h323/per values as the Erlang terms of Erlang's
// ASN.1 compiler (maps representation), for differential tests through
// internal/erlper.
package erlterm

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/h323/per"
)

// Term writes a per value (see h323/per) as the Erlang term the compiled
// modules take for it: Seq as a map with atom keys, Choice as {Name, Value},
// int64 and int as integers, bool as true/false, Null as 'NULL', []byte as a
// binary, BitString as a bitstring, string as a list of characters, OID as
// a tuple, a slice as a list. A character above 255 is written as Erlang's
// quadruple {0, Plane, Row, Cell}, the form its BMPString encoder takes
// (it takes integers up to 255 only).
//
// A Go string is always written as a character string: an ENUMERATED
// value (an atom in Erlang; only H.225.0's ScreeningIndicator) cannot be
// told from one without the schema, so Term is for values without one. An
// unknown extension alternative (Choice with Name "") has no term.
func Term(v any) (string, error) {
	var sb strings.Builder
	if err := writeTerm(&sb, v, ""); err != nil {
		return "", err
	}
	return sb.String(), nil
}

func writeTerm(sb *strings.Builder, v any, path string) error {
	switch x := v.(type) {
	case per.Seq:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		sb.WriteString("#{")
		for i, k := range keys {
			if i > 0 {
				sb.WriteString(",")
			}
			sb.WriteString(atom(k) + "=>")
			if err := writeTerm(sb, x[k], path+"."+k); err != nil {
				return err
			}
		}
		sb.WriteString("}")
	case per.Choice:
		if x.Name == "" {
			return fmt.Errorf("erlterm: %s: an unknown extension alternative has no term", path)
		}
		sb.WriteString("{" + atom(x.Name) + ",")
		if err := writeTerm(sb, x.Value, path+"."+x.Name); err != nil {
			return err
		}
		sb.WriteString("}")
	case *per.Choice:
		return writeTerm(sb, *x, path)
	case int64:
		sb.WriteString(strconv.FormatInt(x, 10))
	case int:
		sb.WriteString(strconv.Itoa(x))
	case bool:
		sb.WriteString(strconv.FormatBool(x))
	case per.Null:
		sb.WriteString("'NULL'")
	case []byte:
		writeBinary(sb, x, len(x)*8)
	case per.BitString:
		if x.Len < 0 || (x.Len+7)/8 > len(x.Bytes) {
			return fmt.Errorf("erlterm: %s: BitString of %d bits in %d bytes", path, x.Len, len(x.Bytes))
		}
		writeBinary(sb, x.Bytes, x.Len)
	case string:
		sb.WriteString("[")
		for i, r := range x {
			if i > 0 {
				sb.WriteString(",")
			}
			if r > 255 {
				fmt.Fprintf(sb, "{0,%d,%d,%d}", r>>16, r>>8&0xff, r&0xff)
				continue
			}
			sb.WriteString(strconv.Itoa(int(r)))
		}
		sb.WriteString("]")
	case per.OID:
		sb.WriteString("{")
		for i, a := range x {
			if i > 0 {
				sb.WriteString(",")
			}
			sb.WriteString(strconv.FormatUint(uint64(a), 10))
		}
		sb.WriteString("}")
	default:
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Slice {
			return fmt.Errorf("erlterm: %s: no term for %T", path, v)
		}
		sb.WriteString("[")
		for i := 0; i < rv.Len(); i++ {
			if i > 0 {
				sb.WriteString(",")
			}
			if err := writeTerm(sb, rv.Index(i).Interface(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		sb.WriteString("]")
	}
	return nil
}

// writeBinary writes the first n bits of b as an Erlang bitstring.
func writeBinary(sb *strings.Builder, b []byte, n int) {
	sb.WriteString("<<")
	for i := 0; i < n/8; i++ {
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString(strconv.Itoa(int(b[i])))
	}
	if rest := n % 8; rest > 0 {
		if n >= 8 {
			sb.WriteString(",")
		}
		fmt.Fprintf(sb, "%d:%d", b[n/8]>>(8-rest), rest)
	}
	sb.WriteString(">>")
}

// atom quotes an ASN.1 identifier as an Erlang atom.
func atom(name string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(name) + "'"
}
