package h225

import (
	"errors"
	"reflect"
	"testing"

	"github.com/parleyhq/parley/h323/q931"
)

// TestPackSetup completes a Setup's Q.931 part as H.225.0 asks.
func TestPackSetup(t *testing.T) {
	m := messages(t)["setup"]
	b, err := Pack(q931.Message{CallRef: 0x1234}, m)
	if err != nil {
		t.Fatal(err)
	}
	q, got, err := Unpack(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("unpacked\n%+v\nwant\n%+v", got, m)
	}
	want := q931.Message{Type: q931.Setup, CallRef: 0x1234,
		BearerCapability:   &q931.BearerCapability{Transfer: q931.TransferSpeech, Rate: q931.Rate64k, Layer1: q931.Layer1H221},
		Display:            "Parley Caf?",
		CallingPartyNumber: &q931.PartyNumber{Plan: q931.PlanE164, Digits: "100#"},
		CalledPartyNumber:  &q931.PartyNumber{Plan: q931.PlanE164, Digits: "2001"},
		UserUser:           q.UserUser}
	if !reflect.DeepEqual(*q, want) {
		t.Errorf("Q.931 part\n%+v\nwant\n%+v", *q, want)
	}
}

// TestPackKeepsHeader leaves what the caller set in the Q.931 part.
func TestPackKeepsHeader(t *testing.T) {
	m := messages(t)["setup"]
	header := q931.Message{Type: q931.Setup, CallRef: 7, Display: "Room 4",
		BearerCapability:  &q931.BearerCapability{Transfer: q931.TransferUnrestrictedDigital, Rate: q931.Rate384k},
		CalledPartyNumber: &q931.PartyNumber{Type: q931.NumberNational, Plan: q931.PlanE164, Digits: "555"}}
	b, err := Pack(header, m)
	if err != nil {
		t.Fatal(err)
	}
	q, _, err := Unpack(b)
	if err != nil {
		t.Fatal(err)
	}
	if q.Display != header.Display || !reflect.DeepEqual(q.BearerCapability, header.BearerCapability) ||
		!reflect.DeepEqual(q.CalledPartyNumber, header.CalledPartyNumber) {
		t.Errorf("Q.931 part %+v, want the caller's display, bearer and called number kept", *q)
	}
}

// TestPackTypes derives the Q.931 message type from the body and puts the
// Cause in a ReleaseComplete.
func TestPackTypes(t *testing.T) {
	tests := []struct {
		body  string
		typ   q931.MessageType
		cause *q931.Cause
	}{
		{"callProceeding", q931.CallProceeding, nil},
		{"alerting", q931.Alerting, nil},
		{"connect", q931.Connect, nil},
		{"progress", q931.Progress, nil},
		{"information", q931.Information, nil},
		{"releaseComplete", q931.ReleaseComplete, &q931.Cause{Value: q931.CauseUserBusy}},
		{"facility", q931.Facility, nil},
		{"empty", q931.Facility, nil},
		{"status", q931.Status, nil},
		{"statusInquiry", q931.StatusEnquiry, nil},
		{"notify", q931.Notify, nil},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			m := messages(t)[tt.body]
			b, err := Pack(q931.Message{CallRef: 9, CallRefFlag: true}, m)
			if err != nil {
				t.Fatal(err)
			}
			q, got, err := Unpack(b)
			if err != nil {
				t.Fatal(err)
			}
			if q.Type != tt.typ || q.CallRef != 9 || !q.CallRefFlag {
				t.Errorf("Q.931 %v ref %d flag %v, want %v ref 9 flag true", q.Type, q.CallRef, q.CallRefFlag, tt.typ)
			}
			if !reflect.DeepEqual(q.Cause, tt.cause) {
				t.Errorf("cause %+v, want %+v", q.Cause, tt.cause)
			}
			if !reflect.DeepEqual(got, m) {
				t.Errorf("unpacked\n%+v\nwant\n%+v", got, m)
			}
		})
	}
}

func TestPackErrors(t *testing.T) {
	if _, err := Pack(q931.Message{}, Message{Body: Alerting}); err == nil {
		t.Error("packed an Alerting without a call identifier")
	}
	m := messages(t)["alerting"]
	if _, err := Pack(q931.Message{CallRef: 0x8000}, m); err == nil {
		t.Error("packed a 16-bit call reference")
	}
}

func TestUnpackErrors(t *testing.T) {
	if q, _, err := Unpack([]byte{8, 2, 0}); err == nil || !errors.Is(err, q931.ErrMalformed) || q != nil {
		t.Errorf("truncated Q.931: %+v, %v; want no message and ErrMalformed", q, err)
	}
	b, err := (&q931.Message{Type: q931.ReleaseComplete, CallRef: 3, Cause: &q931.Cause{Value: 16}}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	q, _, err := Unpack(b)
	if !errors.Is(err, ErrNoUserUser) || q == nil || q.CallRef != 3 {
		t.Errorf("no user-user: %+v, %v; want the Q.931 message and ErrNoUserUser", q, err)
	}
	b, err = (&q931.Message{Type: q931.Connect, CallRef: 3, UserUser: []byte{0xff}}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	if q, _, err = Unpack(b); err == nil || q == nil || q.Type != q931.Connect {
		t.Errorf("bad user-user: %+v, %v; want the Q.931 message and an error", q, err)
	}
}

func TestCause(t *testing.T) {
	for r, want := range map[ReleaseReason]uint8{
		"":                                q931.CauseNormalCallClearing,
		ReasonNoBandwidth:                 q931.CauseNoCircuit,
		ReasonUnreachable:                 q931.CauseNoRoute,
		ReasonInvalidRevision:             q931.CauseIncompatibleDestination,
		ReasonInConf:                      q931.CauseUserBusy,
		ReasonAdaptiveBusy:                q931.CauseTemporaryFailure,
		ReasonCalledNotRegistered:         q931.CauseSubscriberAbsent,
		ReasonUndefined:                   q931.CauseNormalUnspecified,
		ReasonTunnelledSignallingRejected: q931.CauseNormalUnspecified,
	} {
		if got := Cause(r); got != want {
			t.Errorf("Cause(%q) = %d, want %d", r, got, want)
		}
	}
}
