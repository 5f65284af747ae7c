package erlper

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

// releaseComplete is the H323-UserInformation of frame 66 of
// h323/per/testdata/captures/ndpi-h323.pcap (undefinedReason, a callIdentifier,
// h245Tunnelling false), which tshark decodes without complaint. Its sender
// knew H.225.0 version 4, so its extension bit-maps list only the additions
// up to version 4 (1 for ReleaseComplete-UUIE, 2 for H323-UU-PDU); a
// version 8 encoder lists all that version 8 defines (11 and 9: X.691 makes
// the bit-map as long as the number of extension additions in the type),
// hence releaseCompleteV8.
const (
	releaseComplete   = "25c0060008914a00045808110024ab157276fa18109a58001321f0699002800100"
	releaseCompleteV8 = "25c0060008914a000458a800110024ab157276fa18109a58001321f0699010800100"
)

func TestCodec(t *testing.T) {
	c := Start(t)
	rc, _ := hex.DecodeString(releaseComplete)
	tests := []struct {
		name, op, module, typ, arg string
		want                       string // hex, or the start of an error
	}{
		{"capture", "dec", "H323-MESSAGES", "H323-UserInformation", releaseComplete, releaseCompleteV8},
		{"re-encoding is a fixpoint", "dec", "H323-MESSAGES", "H323-UserInformation", releaseCompleteV8, releaseCompleteV8},
		{"truncated", "dec", "H323-MESSAGES", "H323-UserInformation", releaseComplete[:20], "error"},
		{"trailing octet", "dec", "H323-MESSAGES", "H323-UserInformation", releaseComplete + "00", "error"},
		{"empty", "dec", "H323-MESSAGES", "H323-UserInformation", "", "error"},
		{"term", "enc", "MULTIMEDIA-SYSTEM-CONTROL", "UserInputIndication", `{alphanumeric, "12#"}`, "4003313223"},
		{"term outside its constraint", "enc", "H323-MESSAGES", "ReleaseComplete-UUIE", `#{protocolIdentifier => {0,0,8,2250,0,4}, reason => {bogus, 'NULL'}}`, "error"},
		{"unknown type", "enc", "H323-MESSAGES", "NoSuchType", `'NULL'`, "error"},
		{"term that does not parse", "enc", "H323-MESSAGES", "ReleaseComplete-UUIE", `#{`, "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []byte
			var err error
			switch tt.op {
			case "dec":
				b, _ := hex.DecodeString(tt.arg)
				got, err = c.Reencode(tt.module, tt.typ, b)
			case "enc":
				got, err = c.Encode(tt.module, tt.typ, tt.arg)
			}
			if tt.want == "error" {
				if err == nil {
					t.Fatalf("got %x, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want, _ := hex.DecodeString(tt.want); !bytes.Equal(got, want) {
				t.Fatalf("got %x, want %s", got, tt.want)
			}
		})
	}
	// The process survives errors and still answers.
	s, err := c.Show("H323-MESSAGES", "H323-UserInformation", rc)
	if err != nil || !strings.Contains(s, "undefinedReason") {
		t.Fatalf("Show = %q, %v", s, err)
	}
	const rcTerm = `#{'h323-uu-pdu'=>#{'h245Tunneling'=>false,'h323-message-body'=>{releaseComplete,#{callIdentifier=>#{guid=><<36,171,21,114,118,250,24,16,154,88,0,19,33,240,105,144>>},protocolIdentifier=>{0,0,8,2250,0,4},reason=>{undefinedReason,'NULL'}}}}}`
	if err := c.Match("H323-MESSAGES", "H323-UserInformation", rc, rcTerm); err != nil {
		t.Errorf("Match: %v", err)
	}
	if err := c.Match("H323-MESSAGES", "H323-UserInformation", rc, strings.Replace(rcTerm, "false", "true", 1)); err == nil {
		t.Error("Match took a different value")
	}
	if _, err := c.Encode("H323-MESSAGES", "H323-UserInformation", "a\nb"); err == nil {
		t.Fatal("a term with a newline was sent")
	}
}
