package per

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Schema is a set of parsed ASN.1 modules whose type references are all
// resolved. A Schema is immutable and safe for concurrent use.
type Schema struct {
	modules map[string]*module
}

// Type is one named type of a module, ready to encode and decode. A Type is
// immutable and safe for concurrent use.
type Type struct {
	name string
	n    *node
}

// Name is the type's name, the first element of every error path.
func (t *Type) Name() string { return t.name }

// Parse reads ASN.1 module texts (the subset described in the package doc);
// IMPORTS resolve between the modules given. Every type reference of every
// module must resolve, or Parse fails naming it.
func Parse(modules ...[]byte) (*Schema, error) {
	s := &Schema{modules: map[string]*module{}}
	for i, text := range modules {
		toks, err := lex(string(text))
		if err != nil {
			return nil, fmt.Errorf("module %d: %w", i+1, err)
		}
		p := &parser{toks: toks}
		if err := p.parseModule(); err != nil {
			if p.mod != nil {
				return nil, fmt.Errorf("module %s: %w", p.mod.name, err)
			}
			return nil, fmt.Errorf("module %d: %w", i+1, err)
		}
		if p.peek().kind != tokEOF {
			return nil, fmt.Errorf("module %s: text after END", p.mod.name)
		}
		if _, dup := s.modules[p.mod.name]; dup {
			return nil, fmt.Errorf("module %s given twice", p.mod.name)
		}
		s.modules[p.mod.name] = p.mod
	}
	l := &linker{s: s, linking: map[*node]bool{}}
	for _, mname := range slices.Sorted(maps.Keys(s.modules)) {
		m := s.modules[mname]
		for _, tname := range slices.Sorted(maps.Keys(m.types)) {
			if err := l.walk(m.types[tname]); err != nil {
				return nil, fmt.Errorf("module %s: %s: %w", mname, tname, err)
			}
		}
	}
	return s, nil
}

// Type finds a type by module and name, e.g. ("H323-MESSAGES",
// "H323-UserInformation") or ("MULTIMEDIA-SYSTEM-CONTROL", "OpenLogicalChannel").
func (s *Schema) Type(module, name string) (*Type, error) {
	m, ok := s.modules[module]
	if !ok {
		return nil, fmt.Errorf("no module %s", module)
	}
	n, ok := m.types[name]
	if !ok {
		return nil, fmt.Errorf("module %s has no type %s", module, name)
	}
	return &Type{name: name, n: n.resolved()}, nil
}

// linker resolves references: every kRef node gets its target, the built-in
// type it denotes with the reference's own constraints applied.
type linker struct {
	s       *Schema
	linking map[*node]bool // references being linked, to refuse A ::= B, B ::= A
	depth   int            // nesting of parameterized type instances being linked
}

// maxInstances bounds the nesting of parameterized type instances, which a
// parameterized type that uses itself would make endless.
const maxInstances = 16

// walk links every reference in the tree n and computes string alphabets.
func (l *linker) walk(n *node) error {
	switch n.kind {
	case kRef:
		return l.link(n)
	case kSequence, kChoice:
		for _, f := range n.fields {
			if err := l.walk(f.typ); err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
		}
	case kSequenceOf:
		if err := l.walk(n.elem); err != nil {
			return err
		}
	case kKnownString:
		a, err := newAlphabet(n.name, n.cons.from)
		if err != nil {
			return err
		}
		n.str = a
	}
	return n.checkConstraints()
}

// checkConstraints refuses ranges PER cannot encode.
func (n *node) checkConstraints() error {
	for _, r := range []valueRange{n.cons.value, n.cons.size} {
		if r.set && r.hasLo && r.hasHi && r.lo > r.hi {
			return fmt.Errorf("empty range %d..%d", r.lo, r.hi)
		}
	}
	if s := n.cons.size; s.set && (s.hasLo && s.lo < 0 || s.hasHi && s.hi < 0) {
		return errors.New("negative SIZE")
	}
	return nil
}

// link resolves one reference.
func (l *linker) link(n *node) error {
	if n.target != nil {
		return nil
	}
	if l.linking[n] {
		return fmt.Errorf("type %s refers to itself", n.name)
	}
	l.linking[n] = true
	defer delete(l.linking, n)
	t, err := l.lookup(n)
	if err != nil {
		return err
	}
	if t.kind == kRef {
		if err := l.link(t); err != nil {
			return err
		}
		t = t.target
	}
	if !n.cons.visible() {
		n.target = t
		return nil
	}
	c := *t
	c.cons = t.cons.intersect(n.cons)
	if c.kind == kKnownString {
		if c.str, err = newAlphabet(c.name, c.cons.from); err != nil {
			return err
		}
	}
	n.target = &c
	return c.checkConstraints()
}

func (c constraint) visible() bool { return c.value.set || c.size.set || c.from != nil }

// lookup finds the assignment a reference names, in its own module or the
// one it is imported from, instantiating parameterized types.
func (l *linker) lookup(n *node) (*node, error) {
	m := l.s.modules[n.module]
	if from, ok := m.imports[n.name]; ok {
		if m = l.s.modules[from]; m == nil {
			return nil, fmt.Errorf("type %s: module %s not given", n.name, from)
		}
	}
	if len(n.args) == 0 {
		t, ok := m.types[n.name]
		if !ok {
			return nil, fmt.Errorf("undefined type %s", n.name)
		}
		return t, nil
	}
	pt, ok := m.params[n.name]
	if !ok {
		return nil, fmt.Errorf("undefined parameterized type %s", n.name)
	}
	if len(pt.params) != len(n.args) {
		return nil, fmt.Errorf("%s takes %d parameters, given %d", n.name, len(pt.params), len(n.args))
	}
	if l.depth >= maxInstances {
		return nil, fmt.Errorf("parameterized type %s nested deeper than %d", n.name, maxInstances)
	}
	l.depth++
	defer func() { l.depth-- }()
	inst := substitute(pt.body, m.name, pt.params, n.args)
	if err := l.walk(inst); err != nil {
		return nil, fmt.Errorf("%s{%s}: %w", n.name, strings.Join(pt.params, ", "), err)
	}
	return inst, nil
}

// substitute copies a parameterized type's body, replacing references to its
// dummy parameters (written in module mod) by copies of the actual ones.
func substitute(n *node, mod string, params []string, args []*node) *node {
	if n.kind == kRef && n.module == mod && len(n.args) == 0 {
		if i := slices.Index(params, n.name); i >= 0 {
			a := substitute(args[i], "", nil, nil)
			a.cons = a.cons.intersect(n.cons)
			return a
		}
	}
	c := *n
	if n.fields != nil {
		c.fields = make([]*field, len(n.fields))
		for i, f := range n.fields {
			cf := *f
			cf.typ = substitute(f.typ, mod, params, args)
			c.fields[i] = &cf
		}
	}
	if n.elem != nil {
		c.elem = substitute(n.elem, mod, params, args)
	}
	if n.args != nil {
		c.args = make([]*node, len(n.args))
		for i, a := range n.args {
			c.args[i] = substitute(a, mod, params, args)
		}
	}
	return &c
}
