package per_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/parleyhq/parley/h323/per"
	"github.com/parleyhq/parley/internal/erlper"
	"github.com/parleyhq/parley/internal/h323pcap"
)

// captureVector is one PER encoding found in a capture.
type captureVector struct {
	name        string // file, frame, kind, and where inside the message
	module, typ string
	b           []byte
}

// malformed are the vectors tshark (and Erlang) refuse: the Go decoder
// must refuse them too.
var malformed = map[string]bool{
	"ndpi-h323.pcap frame 59 RAS":           true, // "unexpected length" in an IntegrityMechanism
	"ndpi-h323.pcap frame 65 H.225.0":       true, // "too long integer", an over-long extension bit-map
	"ndpi-h323-overflow.pcap frame 1 H.245": true, // a TPKT of length 4: nothing inside
}

// TestCaptures decodes every H.225.0, RAS and H.245 message of the real
// captures in testdata/captures (README.md there), and the H.245 messages
// tunnelled or carried in fastStart inside them: Go decodes each
// well-formed one, and decoding what it encodes gives the same value and
// encoding again (decode → encode → decode is stable); it refuses the
// malformed ones. Where Erlang decodes a message too, Go's re-encoding
// equals Erlang's (neither need equal the capture: an encoder that knows a
// later version of a type writes a longer extension bit-map).
func TestCaptures(t *testing.T) {
	erl := erlper.Start(t)
	vectors := captureVectors(t)
	if len(vectors) != 37+6+18+23 {
		t.Errorf("%d messages in the captures, want %d", len(vectors), 37+6+18+23)
	}
	refused := map[string]bool{}
	for i := 0; i < len(vectors); i++ {
		v := vectors[i]
		typ, err := per.H323().Type(v.module, v.typ)
		if err != nil {
			t.Fatal(err)
		}
		value, err := typ.Decode(v.b)
		if err != nil {
			refused[v.name] = true
			if !malformed[v.name] {
				t.Errorf("%s: %v\n% x", v.name, err, v.b)
			}
			continue
		}
		if malformed[v.name] {
			t.Errorf("%s: malformed, but Go decodes it to %v", v.name, value)
			continue
		}
		vectors = append(vectors, inner(v, value)...)
		again, err := typ.Encode(value)
		if err != nil {
			t.Errorf("%s: Go cannot encode what it decoded: %v", v.name, err)
			continue
		}
		value2, err := typ.Decode(again)
		if err != nil {
			t.Errorf("%s: Go cannot decode its own encoding %x: %v", v.name, again, err)
			continue
		}
		if !reflect.DeepEqual(value2, value) {
			t.Errorf("%s: decode → encode → decode changed the value:\n%v\n%v", v.name, value, value2)
		}
		if third, err := typ.Encode(value2); err != nil || !bytes.Equal(third, again) {
			t.Errorf("%s: encodings differ: %x, then %x (%v)", v.name, again, third, err)
		}
		if erlBytes, err := erl.Reencode(v.module, v.typ, v.b); err != nil {
			t.Logf("%s: Erlang does not decode it: %v", v.name, err)
		} else if !bytes.Equal(erlBytes, again) {
			t.Errorf("%s: Go and Erlang re-encode the capture differently:\ncapture: %x\nGo:      %x\nErlang:  %x", v.name, v.b, again, erlBytes)
		}
	}
	if inside := len(vectors) - (37 + 6 + 18 + 23); inside != 4+2+18 {
		t.Errorf("%d H.245 messages inside H.225.0 ones, want 24 (4+2 in fastStart, 18 tunnelled)", inside)
	}
	for name := range malformed {
		if !refused[name] {
			t.Errorf("%s: not refused", name)
		}
	}
}

// captureVectors are the messages of every capture in testdata/captures.
func captureVectors(t *testing.T) []captureVector {
	t.Helper()
	files, err := filepath.Glob("testdata/captures/*.pcap")
	if err != nil || len(files) != 6 {
		t.Fatalf("captures: %v %v", files, err)
	}
	var vectors []captureVector
	for _, f := range files {
		pdus, err := h323pcap.Read(f, 1720, 21720) // 21720: the H323Plus captures' Q.931
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pdus {
			v := captureVector{name: fmt.Sprintf("%s frame %d %v", filepath.Base(f), p.Frame, p.Kind), b: p.Bytes}
			v.module, v.typ = h245Module, h245Type
			switch p.Kind {
			case h323pcap.H225:
				v.module, v.typ = h225Module, uuType
			case h323pcap.RAS:
				v.module, v.typ = h225Module, "RasMessage"
			}
			vectors = append(vectors, v)
		}
	}
	return vectors
}

// inner returns the H.245 messages inside an H323-UserInformation: those
// tunnelled in h245Control and the OpenLogicalChannel proposals of
// fastStart, whichever message carries them.
func inner(v captureVector, value any) []captureVector {
	if v.typ != uuType {
		return nil
	}
	var out []captureVector
	add := func(list any, what, typ string) {
		items, _ := list.([]any)
		for i, b := range items {
			b, _ := b.([]byte)
			out = append(out, captureVector{fmt.Sprintf("%s %s[%d]", v.name, what, i), h245Module, typ, b})
		}
	}
	add(per.Get(value, "h323-uu-pdu", "h245Control"), "h245Control", h245Type)
	body, _ := per.Get(value, "h323-uu-pdu", "h323-message-body").(per.Choice)
	add(per.Get(body.Value, "fastStart"), body.Name+".fastStart", olcType)
	return out
}
