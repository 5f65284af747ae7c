package per

// kind is the ASN.1 type a node describes.
type kind uint8

const (
	kRef         kind = iota // a reference to a named (possibly parameterized) type
	kSequence                // SEQUENCE and SET (AUTOMATIC TAGS keep SET in textual order)
	kChoice                  // CHOICE
	kSequenceOf              // SEQUENCE OF and SET OF
	kInteger                 // INTEGER
	kBoolean                 // BOOLEAN
	kNull                    // NULL
	kOctetString             // OCTET STRING
	kBitString               // BIT STRING
	kOID                     // OBJECT IDENTIFIER
	kEnumerated              // ENUMERATED
	kOpen                    // an open type (TYPE-IDENTIFIER.&Type)
	kKnownString             // IA5String, NumericString, PrintableString, VisibleString, BMPString, UniversalString
	kOtherString             // GeneralString, UTF8String and the other strings without a known multiplier
)

// node is one ASN.1 type as parsed, then linked: a kRef node gets target, the
// built-in type it finally denotes with the constraints of every reference on
// the way applied.
type node struct {
	kind   kind
	name   string  // kRef: the referenced name; strings: the string type's name
	module string  // kRef: the module the reference is written in
	args   []*node // kRef: actual parameters
	target *node   // kRef, once linked

	cons constraint // PER-visible constraints (value range, SIZE, FROM)

	fields     []*field   // SEQUENCE, CHOICE: root components, then extension additions
	extensible bool       // SEQUENCE, CHOICE, ENUMERATED: has an extension marker
	elem       *node      // SEQUENCE OF
	nroot      int        // SEQUENCE, CHOICE: number of root components
	slots      [][]*field // SEQUENCE: extension additions, a group being one

	enum    []enumItem // ENUMERATED: root items sorted by value, then extension items
	enumExt int        // ENUMERATED: index of the first extension item

	str *alphabet // kKnownString, once linked: the effective permitted alphabet
}

// field is one component of a SEQUENCE or alternative of a CHOICE.
type field struct {
	name     string
	typ      *node
	optional bool // OPTIONAL or DEFAULT
	ext      bool // an extension addition
	group    int  // > 0: member of the extension addition group [[ ]] of that number
}

// enumItem is one ENUMERATED identifier and its number.
type enumItem struct {
	name  string
	value int64
}

// valueRange is a PER-visible range constraint on a value or a size: lo..hi,
// each bound possibly absent (MIN, MAX or no constraint), ext when the
// constraint has an extension marker.
type valueRange struct {
	set          bool
	lo, hi       int64
	hasLo, hasHi bool
	ext          bool
}

// constraint is what PER sees of a type's constraints.
type constraint struct {
	value valueRange
	size  valueRange
	from  []rune // permitted alphabet (FROM), nil when unconstrained
}

// intersect narrows r by o (serial application or "^").
func (r valueRange) intersect(o valueRange) valueRange {
	if !o.set {
		return r
	}
	if !r.set {
		return o
	}
	out := valueRange{set: true, lo: r.lo, hi: r.hi, hasLo: r.hasLo, hasHi: r.hasHi, ext: o.ext}
	if o.hasLo && (!out.hasLo || o.lo > out.lo) {
		out.lo, out.hasLo = o.lo, true
	}
	if o.hasHi && (!out.hasHi || o.hi < out.hi) {
		out.hi, out.hasHi = o.hi, true
	}
	return out
}

// union widens r to cover o ("|"); a side without the constraint makes the
// union unconstrained.
func (r valueRange) union(o valueRange) valueRange {
	if !r.set || !o.set {
		return valueRange{}
	}
	out := valueRange{set: true, ext: r.ext || o.ext}
	out.lo, out.hasLo = min(r.lo, o.lo), r.hasLo && o.hasLo
	out.hi, out.hasHi = max(r.hi, o.hi), r.hasHi && o.hasHi
	return out
}

// fixed reports whether the range admits exactly one value.
func (r valueRange) fixed() bool { return r.set && r.hasLo && r.hasHi && r.lo == r.hi }

func (c constraint) intersect(o constraint) constraint {
	out := constraint{value: c.value.intersect(o.value), size: c.size.intersect(o.size), from: c.from}
	if o.from != nil {
		if out.from == nil {
			out.from = o.from
		} else {
			out.from = intersectRunes(out.from, o.from)
		}
	}
	return out
}

func (c constraint) union(o constraint) constraint {
	out := constraint{value: c.value.union(o.value), size: c.size.union(o.size)}
	if c.from != nil && o.from != nil {
		out.from = unionRunes(c.from, o.from)
	}
	return out
}

// resolved returns the built-in type a node denotes.
func (n *node) resolved() *node {
	if n.kind == kRef {
		return n.target
	}
	return n
}
