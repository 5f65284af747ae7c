package erlterm

import (
	"bytes"
	"testing"

	"github.com/parleyhq/parley/h323/per"
	"github.com/parleyhq/parley/internal/erlper"
)

// TestTerm checks the terms Term writes, and that Erlang encodes each as Go
// encodes the value.
func TestTerm(t *testing.T) {
	c := erlper.Start(t)
	tests := []struct {
		name        string
		value       any
		term        string
		module, typ string
	}{
		{"choice of a string", per.Choice{Name: "alphanumeric", Value: "12#"},
			`{'alphanumeric',[49,50,35]}`, "MULTIMEDIA-SYSTEM-CONTROL", "UserInputIndication"},
		{"sequence, OID, null", per.Seq{"protocolIdentifier": per.OID{0, 0, 8, 2250, 0, 4}, "reason": per.Choice{Name: "undefinedReason", Value: per.Null{}}},
			`#{'protocolIdentifier'=>{0,0,8,2250,0,4},'reason'=>{'undefinedReason','NULL'}}`, "H323-MESSAGES", "ReleaseComplete-UUIE"},
		{"bit string", per.Seq{"halfkey": per.BitString{Bytes: []byte{0xff, 0xa0}, Len: 11}, "modSize": per.BitString{}, "generator": per.BitString{Bytes: []byte{0x80}, Len: 1}},
			`#{'generator'=><<1:1>>,'halfkey'=><<255,5:3>>,'modSize'=><<>>}`, "H235-SECURITY-MESSAGES", "DHset"},
		{"list of octet strings", per.Seq{"h245Tunneling": true, "h323-message-body": per.Choice{Name: "empty", Value: per.Null{}}, "h245Control": [][]byte{{1, 2}, {}}},
			`#{'h245Control'=>[<<1,2>>,<<>>],'h245Tunneling'=>true,'h323-message-body'=>{'empty','NULL'}}`, "H323-MESSAGES", "H323-UU-PDU"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term, err := Term(tt.value)
			if err != nil {
				t.Fatal(err)
			}
			if term != tt.term {
				t.Fatalf("Term = %s, want %s", term, tt.term)
			}
			b, err := c.Encode(tt.module, tt.typ, term)
			if err != nil {
				t.Fatal(err)
			}
			typ, err := per.H323().Type(tt.module, tt.typ)
			if err != nil {
				t.Fatal(err)
			}
			want, err := typ.Encode(tt.value)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, want) {
				t.Fatalf("Erlang encodes %x, Go %x", b, want)
			}
		})
	}
	if _, err := Term(per.Choice{Value: []byte{1}}); err == nil {
		t.Error("an unknown extension alternative got a term")
	}
	if _, err := Term(struct{}{}); err == nil {
		t.Error("a struct got a term")
	}
}
