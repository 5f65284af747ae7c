package per

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// testdata/vectors holds PDUs taken from real captures
// (/work/shared/testdata/h323: ndpi-h323.pcap, intel-setup-v1.pcap):
// h225-* are the contents of Q.931 user-user IEs (after the protocol
// discriminator), h245-* the PDUs of the separate H.245 channel (TPKT
// removed), ras-* the
// UDP payloads on port 1719; bad-* are the two that Wireshark and Erlang also
// reject. NAME.erl.hex, when present, is what Erlang's erlc -bper codec
// encodes after decoding NAME.hex (the captures come from older versions,
// whose extension bitmaps are shorter); Encode must produce exactly that.

func readHex(t *testing.T, path string) []byte {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := hex.DecodeString(strings.TrimSpace(string(text)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}

func vectorType(t *testing.T, name string) *Type {
	name = strings.TrimPrefix(name, "bad-")
	switch {
	case strings.HasPrefix(name, "h225-"):
		return mustType(t, H323(), "H323-MESSAGES", "H323-UserInformation")
	case strings.HasPrefix(name, "ras-"):
		return mustType(t, H323(), "H323-MESSAGES", "RasMessage")
	}
	return mustType(t, H323(), "MULTIMEDIA-SYSTEM-CONTROL", "MultimediaSystemControlMessage")
}

func TestCaptureVectors(t *testing.T) {
	files, err := filepath.Glob("testdata/vectors/*.hex")
	if err != nil || len(files) < 30 {
		t.Fatalf("vectors: %d files, %v", len(files), err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, ".erl.hex") {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(f), ".hex")
		t.Run(name, func(t *testing.T) {
			typ, in := vectorType(t, name), readHex(t, f)
			v, err := typ.Decode(in)
			if strings.HasPrefix(name, "bad-") {
				if err == nil {
					t.Fatalf("decoded a malformed PDU: %v", v)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := in
			if _, err := os.Stat(strings.TrimSuffix(f, ".hex") + ".erl.hex"); err == nil {
				want = readHex(t, strings.TrimSuffix(f, ".hex")+".erl.hex")
			}
			out, err := typ.Encode(v)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, want) {
				t.Fatalf("re-encoded\n%x\nwant\n%x", out, want)
			}
			again, err := typ.Decode(out)
			if err != nil || !reflect.DeepEqual(again, v) {
				t.Fatalf("decode of the re-encoding differs (%v)", err)
			}
		})
	}
}

// TestCaptureFields checks decoded fields against what tshark shows of the
// same frames.
func TestCaptureFields(t *testing.T) {
	decode := func(name string) any {
		v, err := vectorType(t, name).Decode(readHex(t, "testdata/vectors/"+name+".hex"))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ndpi := decode("h225-ndpi-s0-setup")
	setup := Get(ndpi, "h323-uu-pdu", "h323-message-body", "setup")
	intel := Get(decode("h225-intel-s0-setup"), "h323-uu-pdu", "h323-message-body", "setup")
	olc := Get(decode("h245-ndpi-32804-5"), "request", "openLogicalChannel")
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"ndpi protocolIdentifier", Get(setup, "protocolIdentifier"), OID{0, 0, 8, 2250, 0, 4}},
		{"ndpi h323-ID", Get(setup, "sourceAddress").([]any)[0], Choice{"h323-ID", "m.jemec"}},
		{"ndpi productId", Get(setup, "sourceInfo", "vendor", "productId"), []byte("Callgen323 pogacsam\x00\x00")}, // OpenH323 counts the NULs,
		{"ndpi manufacturerCode", Get(setup, "sourceInfo", "vendor", "vendor", "manufacturerCode"), int64(61)},
		{"ndpi destCallSignalAddress", Get(setup, "destCallSignalAddress", "ipAddress"), Seq{"ip": []byte{10, 1, 6, 18}, "port": int64(1720)}},
		{"ndpi sourceCallSignalAddress port", Get(setup, "sourceCallSignalAddress", "ipAddress", "port"), int64(32803)},
		{"ndpi h245Tunneling", Get(ndpi, "h323-uu-pdu", "h245Tunneling"), false},
		{"intel protocolIdentifier", Get(intel, "protocolIdentifier"), OID{0, 0, 8, 2250, 0, 1}},
		{"intel destination", Get(intel, "destinationAddress").([]any)[0], Choice{"h323-ID", "tweeb1"}},
		{"intel manufacturerCode", Get(intel, "sourceInfo", "vendor", "vendor", "manufacturerCode"), int64(32896)},
		{"intel callIdentifier (v1 has none)", Get(intel, "callIdentifier"), nil},
		{"olc channel", Get(olc, "forwardLogicalChannelNumber"), int64(101)},
		{"olc g711Alaw64k", Get(olc, "forwardLogicalChannelParameters", "dataType", "audioData", "g711Alaw64k"), int64(30)},
		{"olc sessionID", Get(olc, "forwardLogicalChannelParameters", "multiplexParameters", "h2250LogicalChannelParameters", "sessionID"), int64(1)},
		{"olc rtcp port", Get(olc, "forwardLogicalChannelParameters", "multiplexParameters", "h2250LogicalChannelParameters",
			"mediaControlChannel", "unicastAddress", "iPAddress", "tsapIdentifier"), int64(5001)},
	} {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s: got %#v, want %#v", tc.name, tc.got, tc.want)
		}
	}
}
