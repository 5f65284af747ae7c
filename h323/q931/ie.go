package q931

import (
	"fmt"
	"slices"
	"strings"
)

// BearerCapability is the Bearer capability element (Q.931 §4.5.5). Decode
// reads octets 3, 4, 4.1 and 5 and skips the rest (layers 2 and 3).
type BearerCapability struct {
	// Coding is the coding standard, 0 for ITU-T.
	Coding uint8
	// Transfer is the information transfer capability (TransferSpeech…).
	Transfer uint8
	// Mode is the transfer mode: 0 circuit, 2 packet.
	Mode uint8
	// Rate is the information transfer rate (Rate64k…); RateMultirate
	// takes Multiplier.
	Rate uint8
	// Multiplier is the rate multiplier (octet 4.1), used with RateMultirate.
	Multiplier uint8
	// Layer1 is the user information layer 1 protocol (octet 5), 0 when
	// absent: Layer1H221 is what H.323 endpoints send.
	Layer1 uint8
}

// Information transfer capabilities, transfer rates and layer 1 protocols
// of the Bearer capability element (Q.931 §4.5.5).
const (
	TransferSpeech              = 0x00 // speech
	TransferUnrestrictedDigital = 0x08 // unrestricted digital information (video calls)
	TransferAudio31             = 0x10 // 3.1 kHz audio

	Rate64k       = 0x10 // 64 kbit/s
	Rate128k      = 0x11 // 2 × 64 kbit/s
	Rate384k      = 0x13 // 384 kbit/s
	Rate1536k     = 0x15 // 1536 kbit/s
	Rate1920k     = 0x17 // 1920 kbit/s
	RateMultirate = 0x18 // multirate: Multiplier × 64 kbit/s

	Layer1G711Mu = 0x02 // G.711 µ-law
	Layer1G711A  = 0x03 // G.711 A-law
	Layer1H221   = 0x05 // H.221 and H.242
)

func decodeBearerCapability(b []byte) (*BearerCapability, error) {
	const name = "bearer capability"
	if len(b) < 2 {
		return nil, malformed("%s: %d octets, at least 2", name, len(b))
	}
	bc := &BearerCapability{Coding: b[0] >> 5 & 3, Transfer: b[0] & 0x1f}
	i := skipExtensions(b, 0)
	if i >= len(b) {
		return nil, malformed("%s: no octet 4", name)
	}
	bc.Mode, bc.Rate = b[i]>>5&3, b[i]&0x1f
	i = skipExtensions(b, i)
	if bc.Rate == RateMultirate {
		if i >= len(b) {
			return nil, malformed("%s: multirate without a rate multiplier", name)
		}
		bc.Multiplier = b[i] & 0x7f
		i++
	}
	if i < len(b) && b[i]>>5&3 == 1 {
		bc.Layer1 = b[i] & 0x1f
	}
	return bc, nil
}

// skipExtensions returns the index after octet i and the extension octets
// that follow it (an octet whose bit 8 is 0 continues into the next).
func skipExtensions(b []byte, i int) int {
	for i < len(b) && b[i]&0x80 == 0 {
		i++
	}
	return i + 1
}

func (bc *BearerCapability) encode() ([]byte, error) {
	if bc.Coding > 3 || bc.Transfer > 0x1f || bc.Mode > 3 || bc.Rate > 0x1f || bc.Multiplier > 0x7f || bc.Layer1 > 0x1f {
		return nil, fmt.Errorf("bearer capability %+v: a field out of range", *bc)
	}
	out := []byte{0x80 | bc.Coding<<5 | bc.Transfer, 0x80 | bc.Mode<<5 | bc.Rate}
	if bc.Rate == RateMultirate {
		out = append(out, 0x80|bc.Multiplier)
	}
	if bc.Layer1 != 0 {
		out = append(out, 0xa0|bc.Layer1)
	}
	return out, nil
}

// Cause is the Cause element (Q.931 §4.5.12, values of Q.850).
type Cause struct {
	// Coding is the coding standard, 0 for ITU-T.
	Coding uint8
	// Location is where the cause arose (LocationUser…).
	Location uint8
	// Value is the cause value (CauseNormalCallClearing…), 7 bits.
	Value uint8
	// Diagnostic is the optional diagnostics octets.
	Diagnostic []byte
}

// Locations of the Cause and Progress indicator elements (Q.850 §2.2.5).
const (
	LocationUser          = 0x0 // user
	LocationPrivateLocal  = 0x1 // private network serving the local user
	LocationPublicLocal   = 0x2 // public network serving the local user
	LocationTransit       = 0x3 // transit network
	LocationPublicRemote  = 0x4 // public network serving the remote user
	LocationPrivateRemote = 0x5 // private network serving the remote user
	LocationBeyond        = 0xa // network beyond interworking point
)

// Cause values (Q.850 Table 1) that H.225.0 maps to and from
// ReleaseCompleteReason.
const (
	CauseUnallocatedNumber       = 1   // unallocated (unassigned) number
	CauseNoRoute                 = 3   // no route to destination
	CauseNormalCallClearing      = 16  // normal call clearing
	CauseUserBusy                = 17  // user busy
	CauseNoUserResponding        = 18  // no user responding
	CauseNoAnswer                = 19  // no answer from user (user alerted)
	CauseSubscriberAbsent        = 20  // subscriber absent
	CauseCallRejected            = 21  // call rejected
	CauseNumberChanged           = 22  // number changed
	CauseDestinationOutOfOrder   = 27  // destination out of order
	CauseInvalidNumberFormat     = 28  // invalid number format
	CauseNormalUnspecified       = 31  // normal, unspecified
	CauseNoCircuit               = 34  // no circuit/channel available
	CauseNetworkOutOfOrder       = 38  // network out of order
	CauseTemporaryFailure        = 41  // temporary failure
	CauseCongestion              = 42  // switching equipment congestion
	CauseResourceUnavailable     = 47  // resource unavailable, unspecified
	CauseBearerNotAvailable      = 58  // bearer capability not presently available
	CauseIncompatibleDestination = 88  // incompatible destination
	CauseInvalidCallReference    = 81  // invalid call reference value
	CauseMandatoryIEMissing      = 96  // mandatory information element is missing
	CauseMessageTypeNonexistent  = 97  // message type non-existent or not implemented
	CauseIENonexistent           = 99  // information element non-existent or not implemented
	CauseInvalidIEContents       = 100 // invalid information element contents
	CauseWrongState              = 101 // message not compatible with call state
	CauseTimerExpiry             = 102 // recovery on timer expiry
	CauseProtocolError           = 111 // protocol error, unspecified
	CauseInterworking            = 127 // interworking, unspecified
)

func decodeCause(b []byte) (*Cause, error) {
	if len(b) < 2 {
		return nil, malformed("cause: %d octets, at least 2", len(b))
	}
	c := &Cause{Coding: b[0] >> 5 & 3, Location: b[0] & 0x0f}
	i := skipExtensions(b, 0) // octet 3a, the recommendation, is skipped
	if i >= len(b) {
		return nil, malformed("cause: no cause value")
	}
	c.Value = b[i] & 0x7f
	if i+1 < len(b) {
		c.Diagnostic = slices.Clone(b[i+1:])
	}
	return c, nil
}

func (c *Cause) encode() ([]byte, error) {
	if c.Coding > 3 || c.Location > 0x0f || c.Value > 0x7f {
		return nil, fmt.Errorf("cause %+v: a field out of range", *c)
	}
	return append([]byte{0x80 | c.Coding<<5 | c.Location, 0x80 | c.Value}, c.Diagnostic...), nil
}

// CallState is the call state value of the Call state element (Q.931
// §4.5.7), coded with the ITU-T standard: 0 null, 10 active…
type CallState uint8

func decodeCallState(b []byte) (*CallState, error) {
	if len(b) != 1 {
		return nil, malformed("call state: %d octets, want 1", len(b))
	}
	s := CallState(b[0] & 0x3f)
	return &s, nil
}

func (s *CallState) encode() ([]byte, error) {
	if *s > 0x3f {
		return nil, fmt.Errorf("call state %d: more than 6 bits", *s)
	}
	return []byte{byte(*s)}, nil
}

// ProgressIndicator is the Progress indicator element (Q.931 §4.5.23).
type ProgressIndicator struct {
	// Coding is the coding standard, 0 for ITU-T.
	Coding uint8
	// Location is where the progress arose (LocationUser…).
	Location uint8
	// Description is the progress description (ProgressInbandAvailable…).
	Description uint8
}

// Progress descriptions (Q.931 §4.5.23).
const (
	ProgressNotEndToEndISDN    = 1 // call is not end-to-end ISDN
	ProgressDestinationNotISDN = 2 // destination address is non-ISDN
	ProgressOriginNotISDN      = 3 // origination address is non-ISDN
	ProgressReturnedToISDN     = 4 // call has returned to the ISDN
	ProgressInbandAvailable    = 8 // in-band information is now available
)

func decodeProgressIndicator(b []byte) (*ProgressIndicator, error) {
	if len(b) != 2 {
		return nil, malformed("progress indicator: %d octets, want 2", len(b))
	}
	return &ProgressIndicator{Coding: b[0] >> 5 & 3, Location: b[0] & 0x0f, Description: b[1] & 0x7f}, nil
}

func (p *ProgressIndicator) encode() ([]byte, error) {
	if p.Coding > 3 || p.Location > 0x0f || p.Description > 0x7f {
		return nil, fmt.Errorf("progress indicator %+v: a field out of range", *p)
	}
	return []byte{0x80 | p.Coding<<5 | p.Location, 0x80 | p.Description}, nil
}

// Signal is the signal value of the Signal element (Q.931 §4.5.28).
type Signal uint8

// Signal values (Q.931 Table 4-24).
const (
	SignalDialTone    Signal = 0x00 // dial tone on
	SignalRingBack    Signal = 0x01 // ring back tone on
	SignalBusy        Signal = 0x04 // busy tone on
	SignalTonesOff    Signal = 0x3f // tones off
	SignalAlertingOff Signal = 0x4f // alerting off
)

func decodeSignal(b []byte) (*Signal, error) {
	if len(b) != 1 {
		return nil, malformed("signal: %d octets, want 1", len(b))
	}
	s := Signal(b[0])
	return &s, nil
}

// PartyNumber is the Called or Calling party number element (Q.931
// §4.5.8, §4.5.10).
type PartyNumber struct {
	// Type is the type of number (NumberInternational…).
	Type uint8
	// Plan is the numbering plan (PlanE164…).
	Plan uint8
	// WithPresentation says octet 3a is present (calling party number):
	// then Presentation and Screening are sent.
	WithPresentation bool
	// Presentation is the presentation indicator: 0 allowed, 1 restricted.
	Presentation uint8
	// Screening is the screening indicator: 0 user-provided, not screened.
	Screening uint8
	// Digits are the number's IA5 characters, normally 0-9, * and #.
	Digits string
}

// Types of number and numbering plans of the party number elements.
const (
	NumberUnknown       = 0 // unknown
	NumberInternational = 1 // international number
	NumberNational      = 2 // national number
	NumberSubscriber    = 4 // subscriber number

	PlanUnknown = 0 // unknown
	PlanE164    = 1 // ISDN/telephony numbering plan (E.164)
	PlanPrivate = 9 // private numbering plan
)

func decodePartyNumber(name string, b []byte) (*PartyNumber, error) {
	if len(b) < 1 {
		return nil, malformed("%s: empty", name)
	}
	p := &PartyNumber{Type: b[0] >> 4 & 7, Plan: b[0] & 0x0f}
	i := 1
	if b[0]&0x80 == 0 {
		if len(b) < 2 {
			return nil, malformed("%s: octet 3a missing", name)
		}
		p.WithPresentation = true
		p.Presentation, p.Screening = b[1]>>5&3, b[1]&3
		i = 2
	}
	digits, err := decodeIA5(name, b[i:])
	p.Digits = digits
	return p, err
}

func (p *PartyNumber) encode(name string) ([]byte, error) {
	if p.Type > 7 || p.Plan > 0x0f || p.Presentation > 3 || p.Screening > 3 {
		return nil, fmt.Errorf("%s %+v: a field out of range", name, *p)
	}
	digits, err := encodeIA5(name, p.Digits)
	if err != nil {
		return nil, err
	}
	if p.WithPresentation {
		return append([]byte{p.Type<<4 | p.Plan, 0x80 | p.Presentation<<5 | p.Screening}, digits...), nil
	}
	return append([]byte{0x80 | p.Type<<4 | p.Plan}, digits...), nil
}

// decodeIA5 refuses an octet with bit 8 set, which IA5 does not have.
func decodeIA5(name string, b []byte) (string, error) {
	for i, c := range b {
		if c >= 0x80 {
			return "", malformed("%s: octet 0x%02x at %d is not IA5", name, c, i)
		}
	}
	return string(b), nil
}

func encodeIA5(name, s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return nil, fmt.Errorf("%s: octet 0x%02x at %d is not IA5", name, s[i], i)
		}
	}
	return []byte(s), nil
}

func trimNUL(b []byte) string {
	return strings.TrimRight(string(b), "\x00")
}

func decodeUserUser(b []byte) ([]byte, error) {
	if len(b) < 1 {
		return nil, malformed("user-user: no protocol discriminator")
	}
	if b[0] != userUserDiscriminator {
		return nil, malformed("user-user: protocol discriminator 0x%02x, want 0x%02x", b[0], userUserDiscriminator)
	}
	return slices.Clone(b[1:]), nil
}
