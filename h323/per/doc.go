// Package per encodes and decodes ASN.1 values in the ALIGNED variant of the
// Packed Encoding Rules (ITU-T X.691; clause numbers in this package are
// those of its 07/2002 edition), driven by ASN.1 module text parsed at
// run time rather than by generated code. It is what Parley's H.323 edge
// speaks H.225.0 call signalling and H.245 with; the H.225.0 v8, H.235 and
// H.245 v17 modules are embedded and parsed once by H323.
//
// # Values
//
// Encode takes and Decode returns generic Go values:
//
//	SEQUENCE, SET                Seq (map[string]any); an absent OPTIONAL has no key
//	CHOICE                       Choice{Name, Value}
//	INTEGER                      int64 (Encode also takes int and the sized ints)
//	ENUMERATED                   string, the identifier
//	BOOLEAN                      bool
//	NULL                         Null{}
//	OCTET STRING                 []byte
//	BIT STRING                   BitString{Bytes, Len}
//	IA5String, NumericString,    string (BMPString is UTF-16 on the wire)
//	PrintableString, VisibleString,
//	BMPString, GeneralString...
//	OBJECT IDENTIFIER            OID ([]uint32)
//	SEQUENCE OF, SET OF          []any (Encode also takes [][]byte, []Seq, ...)
//	open type (CLASS.&Type)      []byte, the contained encoding
//
// # The ASN.1 subset
//
// Parse reads modules with AUTOMATIC TAGS (tags are skipped; PER orders
// CHOICE alternatives and SET components textually, as automatic tagging
// makes them), IMPORTS ... FROM between the modules given, EXPORTS, type
// assignments, parameterized type assignments (SIGNED{ToBeSigned}: expanded
// by substitution where used), and value assignments (parsed, value
// skipped). Types: SEQUENCE and SET with OPTIONAL, DEFAULT (treated as
// OPTIONAL: the default is not filled in), extension markers, extension
// additions and addition groups [[ ]]; CHOICE with extension alternatives;
// SEQUENCE OF and SET OF, with SIZE before OF or as a constraint; INTEGER with
// ranges, MIN, MAX and extensible ranges; ENUMERATED; BOOLEAN; NULL; OCTET
// STRING and BIT STRING with SIZE; OBJECT IDENTIFIER; the character string
// types with SIZE and FROM, combined by "^", "|" or serially
// "(SIZE (1..128)) (FROM ("0123456789#*,"))"; CLASS.&Type as an open type.
// Constraints PER does not see (CONSTRAINED BY, WITH COMPONENTS, contained
// subtypes, exceptions) are parsed and ignored.
//
// Not supported: other tagging modes than AUTOMATIC, COMPONENTS OF, REAL,
// information object classes and sets beyond CLASS.&Type, value references in
// constraints, the UNALIGNED variant and CANONICAL-PER's DEFAULT omission.
//
// # Encoding choices
//
// Where X.691 leaves room or implementations disagree, this package does as
// H323Plus's PTLib: no padding before an empty string behind a constrained
// length (X.691 10.9.3.3); known-multiplier strings of variable size are
// aligned when their upper bound times the bits per character reaches 16, of
// fixed size when it exceeds 16. Extension bitmaps list every addition the
// module knows. A mandatory extension addition may be left out of a Seq only
// if no later addition is present (the value is then one of an earlier
// version of the type, as a decoded message from an older peer is).
//
// Decoding skips extension additions and CHOICE alternatives it does not
// know by their length, refuses truncated input, octets after the encoding
// or left in an open type whose type it knows, and BMPString surrogates that
// do not pair (no Go string would encode them again); it bounds lengths by
// the input and nesting by a constant, and decodes fragmented (16K)
// lengths; Encode fragments as well. Types and schemas are immutable and
// safe for concurrent use.
package per
