package per

import (
	"fmt"
	"strings"
)

// module is one parsed ASN.1 module.
type module struct {
	name    string
	types   map[string]*node      // type assignments
	params  map[string]*paramType // parameterized type assignments
	imports map[string]string     // imported symbol -> module it comes from
}

// paramType is a parameterized type assignment, e.g. SIGNED { ToBeSigned }.
type paramType struct {
	params []string
	body   *node
}

// parser reads one module from its tokens.
type parser struct {
	toks  []token
	pos   int
	mod   *module
	depth int // nesting of types and constraints being parsed
}

// maxParseDepth bounds the nesting of types and constraints in a module.
const maxParseDepth = 64

func (p *parser) peek() token        { return p.toks[p.pos] }
func (p *parser) peekAt(i int) token { return p.toks[min(p.pos+i, len(p.toks)-1)] }

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

func (p *parser) is(text string) bool {
	t := p.peek()
	return t.text == text && (t.kind == tokIdent || t.kind == tokSymbol)
}

func (p *parser) accept(text string) bool {
	if p.is(text) {
		p.pos++
		return true
	}
	return false
}

func (p *parser) errorf(format string, args ...any) error {
	t := p.peek()
	where := fmt.Sprintf("%q", t.text)
	if t.kind == tokEOF {
		where = "end of input"
	}
	return fmt.Errorf("line %d near %s: %s", t.line, where, fmt.Sprintf(format, args...))
}

func (p *parser) expect(text string) error {
	if !p.accept(text) {
		return p.errorf("expected %q", text)
	}
	return nil
}

func (p *parser) ident() (string, error) {
	t := p.peek()
	if t.kind != tokIdent {
		return "", p.errorf("expected an identifier")
	}
	p.pos++
	return t.text, nil
}

// skipBalanced skips a { } (or ( )) group starting at the current token.
func (p *parser) skipBalanced() error {
	open := p.next().text
	closing := map[string]string{"{": "}", "(": ")", "[": "]"}[open]
	depth := 1
	for depth > 0 {
		t := p.next()
		switch {
		case t.kind == tokEOF:
			return fmt.Errorf("line %d: unbalanced %q", t.line, open)
		case t.kind == tokSymbol && t.text == open:
			depth++
		case t.kind == tokSymbol && t.text == closing:
			depth--
		}
	}
	return nil
}

// parseModule reads "Name [OID] DEFINITIONS [tags] ::= BEGIN ... END".
func (p *parser) parseModule() error {
	name, err := p.ident()
	if err != nil {
		return err
	}
	p.mod = &module{name: name, types: map[string]*node{}, params: map[string]*paramType{}, imports: map[string]string{}}
	if p.is("{") {
		if err := p.skipBalanced(); err != nil {
			return err
		}
	}
	if err := p.expect("DEFINITIONS"); err != nil {
		return err
	}
	for !p.is("::=") {
		t := p.next()
		if t.kind == tokEOF {
			return p.errorf("expected \"::=\"")
		}
		switch t.text {
		case "EXPLICIT", "IMPLICIT":
			return fmt.Errorf("line %d: %s TAGS are not supported (only AUTOMATIC)", t.line, t.text)
		case "EXTENSIBILITY":
			return fmt.Errorf("line %d: EXTENSIBILITY IMPLIED is not supported", t.line)
		}
	}
	p.next()
	if err := p.expect("BEGIN"); err != nil {
		return err
	}
	if p.accept("EXPORTS") {
		for !p.accept(";") {
			if p.next().kind == tokEOF {
				return p.errorf("unterminated EXPORTS")
			}
		}
	}
	if p.accept("IMPORTS") {
		if err := p.parseImports(); err != nil {
			return err
		}
	}
	for !p.accept("END") {
		if p.peek().kind == tokEOF {
			return p.errorf("expected END")
		}
		if err := p.parseAssignment(); err != nil {
			return err
		}
	}
	return nil
}

// parseImports reads "sym, sym{} FROM Module [OID] ... ;".
func (p *parser) parseImports() error {
	var syms []string
	for !p.accept(";") {
		if p.accept("FROM") {
			from, err := p.ident()
			if err != nil {
				return err
			}
			if p.is("{") {
				if err := p.skipBalanced(); err != nil {
					return err
				}
			}
			for _, s := range syms {
				p.mod.imports[s] = from
			}
			syms = syms[:0]
			continue
		}
		s, err := p.ident()
		if err != nil {
			return err
		}
		syms = append(syms, s)
		if p.accept("{") {
			if err := p.expect("}"); err != nil {
				return err
			}
		}
		p.accept(",")
	}
	if len(syms) > 0 {
		return p.errorf("imported symbols %v lack FROM", syms)
	}
	return nil
}

// parseAssignment reads a type assignment, a parameterized type assignment,
// or a value assignment (whose value is skipped: PER needs none here).
func (p *parser) parseAssignment() error {
	name, err := p.ident()
	if err != nil {
		return err
	}
	if name[0] >= 'a' && name[0] <= 'z' {
		if _, err := p.parseType(); err != nil {
			return err
		}
		if err := p.expect("::="); err != nil {
			return err
		}
		return p.skipValue()
	}
	var params []string
	if p.accept("{") {
		for !p.accept("}") {
			s, err := p.ident()
			if err != nil {
				return err
			}
			params = append(params, s)
			p.accept(",")
		}
	}
	if err := p.expect("::="); err != nil {
		return err
	}
	if _, dup := p.mod.types[name]; dup {
		return p.errorf("type %s assigned twice", name)
	}
	t, err := p.parseType()
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if params != nil {
		p.mod.params[name] = &paramType{params: params, body: t}
	} else {
		p.mod.types[name] = t
	}
	return nil
}

// skipValue skips one value: a braced group or a single (signed) token.
func (p *parser) skipValue() error {
	if p.is("{") {
		return p.skipBalanced()
	}
	p.accept("-")
	if p.next().kind == tokEOF {
		return p.errorf("expected a value")
	}
	return nil
}

// stringTypes are the restricted character string types; true marks the
// known-multiplier ones (X.691 26).
var stringTypes = map[string]bool{
	"IA5String": true, "NumericString": true, "PrintableString": true, "VisibleString": true,
	"ISO646String": true, "BMPString": true, "UniversalString": true,
	"GeneralString": false, "GraphicString": false, "TeletexString": false, "T61String": false,
	"VideotexString": false, "UTF8String": false, "ObjectDescriptor": false,
}

// parseType reads a type and the constraints that follow it.
func (p *parser) parseType() (*node, error) {
	if p.depth++; p.depth > maxParseDepth {
		return nil, p.errorf("types nested deeper than %d", maxParseDepth)
	}
	defer func() { p.depth-- }()
	for p.is("[") { // a tag: PER ignores it
		if err := p.skipBalanced(); err != nil {
			return nil, err
		}
		if !p.accept("IMPLICIT") {
			p.accept("EXPLICIT")
		}
	}
	n, err := p.parseBareType()
	if err != nil {
		return nil, err
	}
	for p.is("(") {
		c, err := p.parseConstraint()
		if err != nil {
			return nil, err
		}
		n.cons = n.cons.intersect(c)
	}
	return n, nil
}

func (p *parser) parseBareType() (*node, error) {
	t := p.peek()
	if t.kind != tokIdent {
		return nil, p.errorf("expected a type")
	}
	p.pos++
	switch t.text {
	case "SEQUENCE", "SET":
		return p.parseSequenceType()
	case "CHOICE":
		n := &node{kind: kChoice}
		if err := p.parseComponents(n); err != nil {
			return nil, err
		}
		if n.nroot == 0 {
			return nil, p.errorf("CHOICE without root alternatives")
		}
		return n, nil
	case "INTEGER":
		if p.is("{") { // named numbers
			if err := p.skipBalanced(); err != nil {
				return nil, err
			}
		}
		return &node{kind: kInteger}, nil
	case "BOOLEAN":
		return &node{kind: kBoolean}, nil
	case "NULL":
		return &node{kind: kNull}, nil
	case "OCTET":
		return &node{kind: kOctetString}, p.expect("STRING")
	case "BIT":
		if err := p.expect("STRING"); err != nil {
			return nil, err
		}
		if p.is("{") { // named bits
			if err := p.skipBalanced(); err != nil {
				return nil, err
			}
		}
		return &node{kind: kBitString}, nil
	case "OBJECT":
		return &node{kind: kOID}, p.expect("IDENTIFIER")
	case "ENUMERATED":
		return p.parseEnumerated()
	}
	if known, ok := stringTypes[t.text]; ok {
		if known {
			return &node{kind: kKnownString, name: t.text}, nil
		}
		return &node{kind: kOtherString, name: t.text}, nil
	}
	if p.accept(".") { // CLASS.&field, e.g. TYPE-IDENTIFIER.&Type: an open type
		if !strings.HasPrefix(p.next().text, "&") {
			return nil, p.errorf("expected a &field after %s.", t.text)
		}
		return &node{kind: kOpen}, nil
	}
	if t.text[0] < 'A' || t.text[0] > 'Z' {
		return nil, fmt.Errorf("line %d: %q is not a type", t.line, t.text)
	}
	n := &node{kind: kRef, name: t.text, module: p.mod.name}
	if p.accept("{") {
		for !p.accept("}") {
			a, err := p.parseType()
			if err != nil {
				return nil, err
			}
			n.args = append(n.args, a)
			if !p.accept(",") && !p.is("}") {
				return nil, p.errorf("expected \",\" or \"}\" in actual parameters")
			}
		}
	}
	return n, nil
}

// parseSequenceType reads the rest of SEQUENCE/SET: a component list, or
// [SIZE constraint | (constraint)] OF Type.
func (p *parser) parseSequenceType() (*node, error) {
	if p.is("{") {
		n := &node{kind: kSequence}
		return n, p.parseComponents(n)
	}
	n := &node{kind: kSequenceOf}
	switch {
	case p.is("SIZE"):
		c, err := p.parseElementSet(false)
		if err != nil {
			return nil, err
		}
		n.cons = c
	case p.is("("):
		c, err := p.parseConstraint()
		if err != nil {
			return nil, err
		}
		n.cons = c
	}
	if err := p.expect("OF"); err != nil {
		return nil, err
	}
	if p.peek().kind == tokIdent && p.peek().text[0] >= 'a' && p.peek().text[0] <= 'z' {
		p.pos++ // SEQUENCE OF name Type
	}
	elem, err := p.parseType()
	if err != nil {
		return nil, err
	}
	n.elem = elem
	return n, nil
}
