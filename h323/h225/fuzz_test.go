package h225

import (
	"errors"
	"reflect"
	"testing"

	"github.com/parleyhq/parley/h323/q931"
)

// FuzzUnpack feeds Unpack arbitrary Q.931 messages: it must not panic,
// and a message it accepts must pack again into one that unpacks to the
// same Message. The seed corpus in testdata/fuzz/FuzzUnpack holds the
// real messages of capture_test.go, what Pack makes for every body, and
// every crasher found.
func FuzzUnpack(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		q, m, err := Unpack(data)
		if err != nil {
			if q == nil && !errors.Is(err, q931.ErrMalformed) {
				t.Fatalf("no Q.931 message and error %v", err)
			}
			return
		}
		if m.CallID == (GUID{}) || (m.ConferenceID == (GUID{}) && (m.Body == Setup || m.Body == Connect)) {
			return // Encode refuses zero identifiers that old endpoints send
		}
		header := *q
		header.UserUser = nil
		b, err := Pack(header, m)
		if err != nil {
			return // what Parley would not send, e.g. a nonStandardReason
		}
		_, once, err := Unpack(b)
		if err != nil {
			t.Fatalf("packed %x does not unpack: %v", b, err)
		}
		if once.Body != m.Body || once.CallID != m.CallID || !reflect.DeepEqual(once.FastStart, m.FastStart) ||
			!reflect.DeepEqual(once.H245Control, m.H245Control) || once.H245Address != m.H245Address {
			t.Fatalf("unpacked\n%+v\nafter packing\n%+v", once, m)
		}
		b, err = Pack(header, once)
		if err != nil {
			t.Fatalf("unpacked %+v does not pack: %v", once, err)
		}
		if _, twice, err := Unpack(b); err != nil || !reflect.DeepEqual(twice, once) {
			t.Fatalf("packing is not stable:\n%+v\n%+v (%v)", once, twice, err)
		}
	})
}
