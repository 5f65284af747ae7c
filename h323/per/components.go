package per

import (
	"fmt"
	"strconv"
)

// parseComponents reads "{ comp, ..., ext, [[ group ]], ... , root }" of a
// SEQUENCE, SET or CHOICE into n.fields.
func (p *parser) parseComponents(n *node) error {
	if err := p.expect("{"); err != nil {
		return err
	}
	markers, groups := 0, 0
	for !p.accept("}") {
		switch {
		case p.accept("..."):
			markers++
			if markers > 2 {
				return p.errorf("more than two extension markers")
			}
			n.extensible = true
			if p.accept("!") { // exception specification
				if err := p.skipValue(); err != nil {
					return err
				}
			}
		case p.accept("[["):
			if markers != 1 {
				return p.errorf("extension addition group outside the extensions")
			}
			groups++
			if p.peek().kind == tokNumber && p.peekAt(1).text == ":" {
				p.pos += 2
			}
			for !p.accept("]]") {
				f, err := p.parseComponent()
				if err != nil {
					return err
				}
				f.ext, f.group = true, groups
				n.fields = append(n.fields, f)
				if !p.accept(",") && !p.is("]]") {
					return p.errorf("expected \",\" or \"]]\"")
				}
			}
		default:
			f, err := p.parseComponent()
			if err != nil {
				return err
			}
			f.ext = markers == 1
			n.fields = append(n.fields, f)
		}
		if !p.accept(",") && !p.is("}") {
			return p.errorf("expected \",\" or \"}\"")
		}
	}
	// Components after a second marker belong with the root (X.680).
	var root, ext []*field
	for _, f := range n.fields {
		if f.ext {
			ext = append(ext, f)
		} else {
			root = append(root, f)
		}
	}
	n.fields, n.nroot = append(root, ext...), len(root)
	for i, f := range ext {
		if f.group > 0 && i > 0 && ext[i-1].group == f.group {
			n.slots[len(n.slots)-1] = append(n.slots[len(n.slots)-1], f)
		} else {
			n.slots = append(n.slots, []*field{f})
		}
	}
	seen := map[string]bool{}
	for _, f := range n.fields {
		if seen[f.name] {
			return p.errorf("component %s appears twice", f.name)
		}
		seen[f.name] = true
	}
	return nil
}

// parseComponent reads "name Type [OPTIONAL | DEFAULT value]".
func (p *parser) parseComponent() (*field, error) {
	if p.is("COMPONENTS") {
		return nil, p.errorf("COMPONENTS OF is not supported")
	}
	name, err := p.ident()
	if err != nil {
		return nil, err
	}
	t, err := p.parseType()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	f := &field{name: name, typ: t}
	switch {
	case p.accept("OPTIONAL"):
		f.optional = true
	case p.accept("DEFAULT"):
		f.optional = true
		if err := p.skipValue(); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// parseEnumerated reads "{ a(0), b, ..., c(5) }" (X.680 20): items without a
// number take the smallest unused non-negative ones; root items are indexed
// in value order (X.691 13).
func (p *parser) parseEnumerated() (*node, error) {
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	n := &node{kind: kEnumerated}
	var root, ext []enumItem
	var rootNum []bool
	used := map[int64]bool{}
	for !p.accept("}") {
		if p.accept("...") {
			n.extensible = true
		} else {
			name, err := p.ident()
			if err != nil {
				return nil, err
			}
			it, numbered := enumItem{name: name}, false
			if p.accept("(") {
				neg := p.accept("-")
				v, err := strconv.ParseInt(p.next().text, 10, 64)
				if err != nil {
					return nil, p.errorf("bad enumeration number")
				}
				if neg {
					v = -v
				}
				it.value, numbered = v, true
				if used[v] {
					return nil, p.errorf("enumeration number %d used twice", v)
				}
				used[v] = true
				if err := p.expect(")"); err != nil {
					return nil, err
				}
			}
			if n.extensible {
				ext = append(ext, it)
			} else {
				root, rootNum = append(root, it), append(rootNum, numbered)
			}
		}
		if !p.accept(",") && !p.is("}") {
			return nil, p.errorf("expected \",\" or \"}\"")
		}
	}
	next := int64(0)
	for i := range root {
		if !rootNum[i] {
			for used[next] {
				next++
			}
			root[i].value, used[next] = next, true
		}
	}
	if len(root) == 0 {
		return nil, p.errorf("ENUMERATED without root items")
	}
	sortEnum(root)
	n.enum, n.enumExt = append(root, ext...), len(root)
	return n, nil
}

func sortEnum(items []enumItem) {
	for i := 1; i < len(items); i++ {
		for j := i; j > 0 && items[j].value < items[j-1].value; j-- {
			items[j], items[j-1] = items[j-1], items[j]
		}
	}
}
