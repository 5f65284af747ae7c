package h225

import (
	"errors"
	"fmt"
	"strings"

	"github.com/parleyhq/parley/h323/q931"
)

// ErrNoUserUser is wrapped by Unpack's error for a Q.931 message without
// a User-user element, which H.225.0 requires in every message.
var ErrNoUserUser = errors.New("no user-user information element")

// Pack returns the Q.931 message (ready for q931.WriteTPKT) that carries
// m: header is the Q.931 part (Type, CallRef, CallRefFlag and any element
// the caller wants), completed with what H.225.0 clause 7 requires:
//   - Type, when zero, from m.Body (Empty goes in a Facility);
//   - in a Setup, the Bearer capability (speech, 64 kbit/s, H.221) when
//     absent, the Display from the first h323-ID of m.SourceAddress when
//     empty (a character outside printable ASCII becomes '?', as Display
//     is IA5), and the Calling and Called party numbers from the first
//     dialedDigits or partyNumber alias of m.SourceAddress and
//     m.DestinationAddress when absent;
//   - in a ReleaseComplete, the Cause (location user) of m.Reason when
//     absent (see Cause);
//   - the User-user element with Encode(m).
//
// A Status needs the caller's Cause and CallState in header (Q.931
// §3.1.16); Pack does not invent them.
func Pack(header q931.Message, m Message) ([]byte, error) {
	uu, err := Encode(m)
	if err != nil {
		return nil, err
	}
	q := header
	q.UserUser = uu
	if q.Type == 0 {
		q.Type = messageType(m.Body)
	}
	switch m.Body {
	case Setup:
		if q.BearerCapability == nil {
			q.BearerCapability = &q931.BearerCapability{Transfer: q931.TransferSpeech, Rate: q931.Rate64k, Layer1: q931.Layer1H221}
		}
		if q.Display == "" {
			q.Display = ia5(firstAlias(m.SourceAddress, H323ID))
		}
		if q.CallingPartyNumber == nil {
			q.CallingPartyNumber = partyNumber(m.SourceAddress)
		}
		if q.CalledPartyNumber == nil {
			q.CalledPartyNumber = partyNumber(m.DestinationAddress)
		}
	case ReleaseComplete:
		if q.Cause == nil {
			q.Cause = &q931.Cause{Location: q931.LocationUser, Value: Cause(m.Reason)}
		}
	}
	b, err := q.Encode()
	if err != nil {
		return nil, fmt.Errorf("q.931 %v: %w", q.Type, err)
	}
	return b, nil
}

// Unpack parses a Q.931 message and the H323-UserInformation of its
// User-user element. When the Q.931 part decodes but the H.225.0 part
// does not (or is missing: ErrNoUserUser), it returns the Q.931 message
// with the error, so that the caller can still answer the call reference.
func Unpack(b []byte) (*q931.Message, Message, error) {
	q, err := q931.Decode(b)
	if err != nil {
		return nil, Message{}, err
	}
	if q.UserUser == nil {
		return q, Message{}, fmt.Errorf("q.931 %v: %w", q.Type, ErrNoUserUser)
	}
	m, err := Decode(q.UserUser)
	if err != nil {
		return q, Message{}, fmt.Errorf("q.931 %v: %w", q.Type, err)
	}
	return q, m, nil
}

// messageType is the Q.931 message that carries body b.
func messageType(b Body) q931.MessageType {
	switch b {
	case Setup:
		return q931.Setup
	case CallProceeding:
		return q931.CallProceeding
	case Connect:
		return q931.Connect
	case Alerting:
		return q931.Alerting
	case Information:
		return q931.Information
	case ReleaseComplete:
		return q931.ReleaseComplete
	case Progress:
		return q931.Progress
	case Status:
		return q931.Status
	case StatusInquiry:
		return q931.StatusEnquiry
	case Notify:
		return q931.Notify
	case SetupAcknowledge:
		return q931.SetupAcknowledge
	}
	return q931.Facility // Facility, Empty
}

func firstAlias(list []Alias, kind AliasKind) string {
	for _, a := range list {
		if a.Kind == kind {
			return a.Value
		}
	}
	return ""
}

// ia5 replaces what is not printable ASCII by '?'.
func ia5(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}

// partyNumber is the Q.931 number of the first numeric alias (unknown
// type, E.164 plan, as H323Plus sends them), nil when none.
func partyNumber(list []Alias) *q931.PartyNumber {
	for _, a := range list {
		if a.Kind == DialedDigits || a.Kind == PartyNumber {
			return &q931.PartyNumber{Type: q931.NumberUnknown, Plan: q931.PlanE164, Digits: a.Value}
		}
	}
	return nil
}

// Cause returns the Q.931 cause value that H.225.0's table of release
// reasons pairs with r (noBandwidth 34, unreachableDestination 3, inConf
// 17…); an empty reason, a normal hang-up, is q931.CauseNormalCallClearing,
// and a reason the table does not list q931.CauseNormalUnspecified.
func Cause(r ReleaseReason) uint8 {
	switch r {
	case "", ReasonDestinationRejection, ReasonCallDeflection:
		return q931.CauseNormalCallClearing
	case ReasonNoBandwidth:
		return q931.CauseNoCircuit
	case ReasonGatekeeperResources, ReasonNewConnectionNeeded:
		return q931.CauseResourceUnavailable
	case ReasonUnreachable:
		return q931.CauseNoRoute
	case ReasonInvalidRevision:
		return q931.CauseIncompatibleDestination
	case ReasonNoPermission:
		return q931.CauseProtocolError
	case ReasonUnreachableGatekeeper:
		return q931.CauseNetworkOutOfOrder
	case ReasonGatewayResources:
		return q931.CauseCongestion
	case ReasonBadFormatAddress:
		return q931.CauseInvalidNumberFormat
	case ReasonAdaptiveBusy:
		return q931.CauseTemporaryFailure
	case ReasonInConf:
		return q931.CauseUserBusy
	case ReasonCalledNotRegistered:
		return q931.CauseSubscriberAbsent
	}
	return q931.CauseNormalUnspecified
}
