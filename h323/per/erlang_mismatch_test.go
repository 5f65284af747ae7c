package per_test

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/parleyhq/parley/h323/per"
	"github.com/parleyhq/parley/internal/erlper"
)

// TestErlangMismatches holds the inputs on which Go and Erlang were found
// to disagree (by TestErlangMutations), each checked against Erlang here:
// decoder leniencies this package had (Go accepted what Erlang refuses, or
// decoded lossily what Erlang keeps), now regression tests. Go must refuse
// each, or decode it to what re-encodes as Erlang re-encodes it.
func TestErlangMismatches(t *testing.T) {
	erl := erlper.Start(t)
	tests := []struct {
		name, module, typ, hex string
		why                    string
	}{
		{
			// An unpaired UTF-16 surrogate (0xD83D) in a BMPString (X.680:
			// UCS-2, where 0xD800-0xDFFF are no characters): Go decodes it as
			// U+FFFD and so re-encodes 0xFFFD; Erlang keeps 0xD83D.
			name: "BMPString with an unpaired surrogate", module: h225Module, typ: "AliasAddress",
			hex: "40010061d83d",
			why: "refuse it, or re-encode the same code unit",
		},
		{
			// h323plus-separate.pcap frame 26 (an OpenLogicalChannel) with its
			// H2250LogicalChannelParameters preamble 0x0d changed to 0xa2: the
			// extension bit set, then a "normally small length" in its long
			// form (bit 1) giving n = 0 additions, leaving 5 of the 11 octets
			// of the open type (the multiplexParameters extension alternative)
			// unread. Erlang refuses (case_clause on the rest); Go decodes it.
			name: "open type with octets left over (extension alternative)", module: h245Module, typ: h245Type,
			hex: "030000640c2013800ba20001007f000005138900",
			why: "refuse the extension bit-map of 0 additions and the octets left in the open type",
		},
		{
			// ndpi-h323.pcap frame 42 (an OpenLogicalChannelAck) with 0x03
			// changed to 0xa3: H2250LogicalChannelAckParameters' extension
			// bit-map in the long form with n = 0, and 2 of the 20 octets of
			// the forwardMultiplexAckParameters open type left unread. Erlang
			// refuses; tshark warns "Open type length 20, decoded 19"; Go
			// decodes it, and drops flowControlToZero.
			name: "open type with octets left over (extension addition)", module: h245Module, typ: h245Type,
			hex: "22c000640480145c00000a01061207d6000a01061207d7a3000180",
			why: "refuse the extension bit-map of 0 additions and the octets left in the open type",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := hex.DecodeString(tt.hex)
			if err != nil {
				t.Fatal(err)
			}
			typ, err := per.H323().Type(tt.module, tt.typ)
			if err != nil {
				t.Fatal(err)
			}
			erlBytes, erlErr := erl.Reencode(tt.module, tt.typ, b)
			v, err := typ.Decode(b)
			if err != nil {
				return // refused: no disagreement
			}
			goBytes, err := typ.Encode(v)
			if err != nil {
				t.Fatalf("Go decodes %x but cannot encode it again: %v", b, err)
			}
			switch {
			case erlErr != nil:
				t.Errorf("Go decodes %x (%v) which Erlang refuses (%.200v); want: %s", b, v, erlErr, tt.why)
			case !bytes.Equal(goBytes, erlBytes):
				t.Errorf("%x: Go re-encodes %x, Erlang %x; want: %s", b, goBytes, erlBytes, tt.why)
			}
		})
	}
}
