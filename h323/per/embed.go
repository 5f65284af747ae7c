package per

import (
	_ "embed"
	"sync"
)

var (
	//go:embed asn1/h235.asn
	h235ASN []byte
	//go:embed asn1/h225.asn
	h225ASN []byte
	//go:embed asn1/h245.asn
	h245ASN []byte
)

// h323Schema parses the embedded modules once; the result is immutable.
var h323Schema = sync.OnceValue(func() *Schema {
	s, err := Parse(h235ASN, h225ASN, h245ASN)
	if err != nil {
		panic("per: embedded H.323 ASN.1 modules do not parse: " + err.Error())
	}
	return s
})

// H323 is the schema of the embedded H.225.0 v8 (H323-MESSAGES), H.235
// (H235-SECURITY-MESSAGES) and H.245 v17 (MULTIMEDIA-SYSTEM-CONTROL) modules,
// parsed once. It panics only if the embedded modules do not parse, which
// TestH323Parses rules out.
func H323() *Schema { return h323Schema() }
