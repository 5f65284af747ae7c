package per

import (
	"slices"
	"strconv"
)

// parseConstraint reads "( ElementSetSpec [, ... [, ElementSetSpec]] )"
// (X.680 49) into what PER sees of it (X.691 9.3): value ranges, SIZE and
// FROM; CONSTRAINED BY, WITH COMPONENTS, contained subtypes and the like are
// parsed and ignored.
func (p *parser) parseConstraint() (constraint, error) {
	return p.parseParenthesized(false)
}

func (p *parser) parseParenthesized(alpha bool) (constraint, error) {
	if p.depth++; p.depth > maxParseDepth {
		return constraint{}, p.errorf("constraints nested deeper than %d", maxParseDepth)
	}
	defer func() { p.depth-- }()
	if err := p.expect("("); err != nil {
		return constraint{}, err
	}
	c, err := p.parseUnion(alpha)
	if err != nil {
		return c, err
	}
	if p.accept(",") {
		if err := p.expect("..."); err != nil {
			return c, err
		}
		c.value.ext = c.value.set
		c.size.ext = c.size.set
		c.from = nil       // X.691: an extensible permitted alphabet is not PER-visible
		if p.accept(",") { // additional elements: not PER-visible
			if _, err := p.parseUnion(alpha); err != nil {
				return c, err
			}
		}
	}
	if p.accept("!") {
		if err := p.skipValue(); err != nil {
			return c, err
		}
	}
	return c, p.expect(")")
}

func (p *parser) parseUnion(alpha bool) (constraint, error) {
	c, err := p.parseIntersection(alpha)
	for err == nil && (p.accept("|") || p.accept("UNION")) {
		var o constraint
		if o, err = p.parseIntersection(alpha); err == nil {
			c = c.union(o)
		}
	}
	return c, err
}

func (p *parser) parseIntersection(alpha bool) (constraint, error) {
	c, err := p.parseElementSet(alpha)
	for err == nil {
		switch {
		case p.accept("^"), p.accept("INTERSECTION"):
			var o constraint
			if o, err = p.parseElementSet(alpha); err == nil {
				c = c.intersect(o)
			}
		case p.accept("EXCEPT"): // PER ignores what is excepted
			_, err = p.parseElementSet(alpha)
		default:
			return c, nil
		}
	}
	return c, err
}

// parseElementSet reads one element of a constraint; alpha is true inside
// FROM, where strings are sets of characters.
func (p *parser) parseElementSet(alpha bool) (constraint, error) {
	var c constraint
	t := p.peek()
	switch {
	case p.accept("SIZE"):
		inner, err := p.parseParenthesized(false)
		c.size = inner.value
		return c, err
	case p.accept("FROM"):
		inner, err := p.parseParenthesized(true)
		c.from = inner.from
		return c, err
	case p.is("("):
		return p.parseParenthesized(alpha)
	case p.accept("CONSTRAINED"):
		if err := p.expect("BY"); err != nil {
			return c, err
		}
		return c, p.skipBalanced()
	case p.accept("WITH"):
		if p.accept("COMPONENTS") {
			return c, p.skipBalanced()
		}
		if err := p.expect("COMPONENT"); err != nil {
			return c, err
		}
		_, err := p.parseParenthesized(false)
		return c, err
	case p.accept("INCLUDES"):
		_, err := p.parseType()
		return c, err
	case p.accept("ALL"):
		return c, nil
	case t.kind == tokString:
		p.pos++
		lo := []rune(t.text)
		if !alpha {
			return c, nil // a single string value: not PER-visible
		}
		if p.accept("..") {
			hi := []rune(p.next().text)
			if len(lo) != 1 || len(hi) != 1 || hi[0] < lo[0] || hi[0]-lo[0] > 1<<16 {
				return c, p.errorf("bad character range")
			}
			for r := lo[0]; r <= hi[0]; r++ {
				c.from = append(c.from, r)
			}
			return c, nil
		}
		c.from = normalizeRunes(lo)
		if c.from == nil {
			c.from = []rune{}
		}
		return c, nil
	case t.kind == tokNumber || t.text == "-" || t.text == "MIN" || t.text == "MAX":
		r := valueRange{set: true}
		lo, hasLo, err := p.parseBound()
		if err != nil {
			return c, err
		}
		r.lo, r.hasLo, r.hi, r.hasHi = lo, hasLo, lo, hasLo
		p.accept("<")
		if p.accept("..") {
			p.accept("<")
			if r.hi, r.hasHi, err = p.parseBound(); err != nil {
				return c, err
			}
		}
		c.value = r
		return c, nil
	case t.kind == tokIdent && t.text[0] >= 'A' && t.text[0] <= 'Z':
		_, err := p.parseType() // a contained subtype, e.g. TYPE-IDENTIFIER.&Type (X)
		return c, err
	}
	return c, p.errorf("unsupported constraint")
}

// parseBound reads a number, a negative number, MIN or MAX; ok is false for
// MIN and MAX.
func (p *parser) parseBound() (v int64, ok bool, err error) {
	if p.accept("MIN") || p.accept("MAX") {
		return 0, false, nil
	}
	neg := p.accept("-")
	t := p.next()
	if t.kind != tokNumber {
		return 0, false, p.errorf("expected a number")
	}
	v, err = strconv.ParseInt(t.text, 10, 64)
	if err != nil {
		return 0, false, p.errorf("number %s out of range", t.text)
	}
	if neg {
		v = -v
	}
	return v, true, nil
}

// normalizeRunes sorts and deduplicates a character set.
func normalizeRunes(rs []rune) []rune {
	rs = slices.Clone(rs)
	slices.Sort(rs)
	return slices.Compact(rs)
}

func intersectRunes(a, b []rune) []rune {
	out := []rune{}
	for _, r := range a {
		if _, ok := slices.BinarySearch(b, r); ok {
			out = append(out, r)
		}
	}
	return out
}

func unionRunes(a, b []rune) []rune { return normalizeRunes(append(slices.Clone(a), b...)) }
