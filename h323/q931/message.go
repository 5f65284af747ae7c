// Package q931 encodes and decodes Q.931 messages as H.225.0 (clause 7)
// profiles them for H.323 call signalling, and frames them with TPKT
// (RFC 1006) on a TCP stream.
//
// A Message carries the information elements H.323 uses as typed fields;
// any other element is kept as received in Message.Other, so that nothing
// is lost between Decode and Encode. Decode never panics and refuses every
// malformation with an error that names the element.
package q931

import (
	"errors"
	"fmt"
	"slices"
)

// ProtocolDiscriminator is the first octet of every Q.931 message
// (Q.931 §4.2: "Q.931/I.451 user-network call control messages").
const ProtocolDiscriminator = 0x08

// MaxMessageSize is the largest encoded message Decode accepts and Encode
// produces: what one TPKT packet can carry.
const MaxMessageSize = MaxTPKTPayload

// maxOther bounds how many uninterpreted elements one message may carry.
const maxOther = 64

// MessageType is the Q.931 message type octet (Q.931 §4.4, Table 4-2).
type MessageType uint8

// The message types H.225.0 uses, as H.225.0 clause 7 profiles them.
const (
	Alerting         MessageType = 0x01 // ALERTING: the called side is ringing
	CallProceeding   MessageType = 0x02 // CALL PROCEEDING: the Setup is being handled
	Progress         MessageType = 0x03 // PROGRESS: in-band information or interworking
	Setup            MessageType = 0x05 // SETUP: a new call
	SetupAcknowledge MessageType = 0x0d // SETUP ACKNOWLEDGE: overlap sending goes on
	Connect          MessageType = 0x07 // CONNECT: the call is answered
	ReleaseComplete  MessageType = 0x5a // RELEASE COMPLETE: the call is over
	Notify           MessageType = 0x6e // NOTIFY: a notification indicator
	Facility         MessageType = 0x62 // FACILITY: supplementary services, tunnelled H.245
	StatusEnquiry    MessageType = 0x75 // STATUS ENQUIRY: asks for a Status
	Information      MessageType = 0x7b // INFORMATION: overlap digits, keypad
	Status           MessageType = 0x7d // STATUS: answers a Status Enquiry or an error
)

// String names the message type as Q.931 does, or gives its value.
func (t MessageType) String() string {
	switch t {
	case Alerting:
		return "Alerting"
	case CallProceeding:
		return "CallProceeding"
	case Progress:
		return "Progress"
	case Setup:
		return "Setup"
	case SetupAcknowledge:
		return "SetupAcknowledge"
	case Connect:
		return "Connect"
	case ReleaseComplete:
		return "ReleaseComplete"
	case Notify:
		return "Notify"
	case Facility:
		return "Facility"
	case StatusEnquiry:
		return "StatusEnquiry"
	case Information:
		return "Information"
	case Status:
		return "Status"
	}
	return fmt.Sprintf("MessageType(0x%02x)", uint8(t))
}

// Message is one Q.931 message. A nil pointer field, an empty string and a
// nil UserUser mean the element is absent.
type Message struct {
	// Type is the message type; Decode keeps types it does not know, so
	// that the caller can answer them with a Status (cause 97).
	Type MessageType
	// CallRef is the call reference value, 15 bits (0 to 0x7fff).
	CallRef uint16
	// CallRefFlag is the call reference flag (Q.931 §4.3): false in
	// messages sent by the side that allocated the call reference (the
	// caller's Setup), true in messages sent to it (the answers).
	CallRefFlag bool

	// SendingComplete is the single-octet Sending complete element (0xa1).
	SendingComplete bool
	// BearerCapability (0x04) is mandatory in Setup (H.225.0).
	BearerCapability *BearerCapability
	// Cause (0x08) says why a call is released or a Status is sent.
	Cause *Cause
	// CallState (0x14) is mandatory in Status.
	CallState *CallState
	// ProgressIndicator (0x1e) is the first progress indicator.
	ProgressIndicator *ProgressIndicator
	// Display (0x28) is text for the other side's screen; trailing NUL
	// octets, which some endpoints send, are removed by Decode.
	Display string
	// KeypadFacility (0x2c) carries IA5 keypad characters.
	KeypadFacility string
	// Signal (0x34) asks the other side to play a tone.
	Signal *Signal
	// CallingPartyNumber (0x6c) is the caller's number.
	CallingPartyNumber *PartyNumber
	// CalledPartyNumber (0x70) is the number called.
	CalledPartyNumber *PartyNumber
	// UserUser is the payload of the User-user element (0x7e) after its
	// protocol discriminator 0x05: the PER-encoded H323-UserInformation.
	// H.225.0 gives this element a two-octet length.
	UserUser []byte

	// Other holds the elements this package does not interpret, a repeat
	// of an element already decoded, and every element of codesets other
	// than 0, in the order received. Encode places the codeset-0 ones
	// among the known elements in ascending identifier order and the
	// others at the end, each behind a non-locking shift.
	Other []IE
}

// IE is an information element kept as received.
type IE struct {
	// Codeset is 0 for Q.931's elements, or the codeset a shift selected.
	Codeset uint8
	// ID is the element identifier; an ID of 0x80 or more is a
	// single-octet element, which has no Data.
	ID uint8
	// Data is the element's contents after its length.
	Data []byte
}

// Identifiers of the elements Message interprets (Q.931 Table 4-3).
const (
	ieBearerCapability   = 0x04
	ieCause              = 0x08
	ieCallState          = 0x14
	ieProgressIndicator  = 0x1e
	ieDisplay            = 0x28
	ieKeypadFacility     = 0x2c
	ieSignal             = 0x34
	ieCallingPartyNumber = 0x6c
	ieCalledPartyNumber  = 0x70
	ieUserUser           = 0x7e
	ieSendingComplete    = 0xa1
)

// userUserDiscriminator is the User-user protocol discriminator H.225.0
// uses: "X.208 and X.209 coded user information".
const userUserDiscriminator = 0x05

// ErrMalformed is wrapped by every error Decode returns.
var ErrMalformed = errors.New("malformed q.931 message")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// Decode parses one Q.931 message: the payload of one TPKT packet. It
// accepts call references of 0, 1 and 2 octets (Q.931 §4.3), shifts to
// other codesets, elements in any order and unknown elements, and refuses
// a wrong protocol discriminator, truncation, a bad element content or
// more than MaxMessageSize octets with an error wrapping ErrMalformed.
func Decode(b []byte) (*Message, error) {
	if len(b) > MaxMessageSize {
		return nil, malformed("%d octets, at most %d", len(b), MaxMessageSize)
	}
	if len(b) < 3 {
		return nil, malformed("%d octets, too short for a header", len(b))
	}
	if b[0] != ProtocolDiscriminator {
		return nil, malformed("protocol discriminator 0x%02x, want 0x%02x", b[0], ProtocolDiscriminator)
	}
	m := &Message{}
	crLen := int(b[1])
	if crLen > 2 {
		return nil, malformed("call reference length octet 0x%02x, want 0 to 2", b[1])
	}
	if len(b) < 3+crLen {
		return nil, malformed("truncated call reference")
	}
	switch crLen {
	case 1:
		m.CallRefFlag = b[2]&0x80 != 0
		m.CallRef = uint16(b[2] & 0x7f)
	case 2:
		m.CallRefFlag = b[2]&0x80 != 0
		m.CallRef = uint16(b[2]&0x7f)<<8 | uint16(b[3])
	}
	mt := b[2+crLen]
	if mt == 0 || mt&0x80 != 0 {
		return nil, malformed("message type 0x%02x: escape and bit 8 are not used by H.225.0", mt)
	}
	m.Type = MessageType(mt)
	if err := m.decodeElements(b[3+crLen:]); err != nil {
		return nil, err
	}
	return m, nil
}

// decodeElements parses the information elements after the message type.
func (m *Message) decodeElements(b []byte) error {
	var seen [256]bool
	locked, next, oneShot := uint8(0), uint8(0), false
	for off := 0; off < len(b); {
		id := b[off]
		if id&0xf0 == 0x90 { // shift (Q.931 §4.5.3, §4.5.4)
			if id&0x08 != 0 {
				next, oneShot = id&0x07, true
			} else {
				locked, oneShot = id&0x07, false
			}
			off++
			continue
		}
		cs := locked
		if oneShot {
			cs, oneShot = next, false
		}
		if id&0x80 != 0 { // single-octet element
			off++
			if cs == 0 && id == ieSendingComplete && !m.SendingComplete {
				m.SendingComplete = true
				continue
			}
			if err := m.keep(IE{Codeset: cs, ID: id}); err != nil {
				return err
			}
			continue
		}
		start, n := off+2, 0
		if cs == 0 && id == ieUserUser {
			start = off + 3
			if start > len(b) {
				return malformed("element 0x%02x at offset %d: truncated length", id, off)
			}
			n = int(b[off+1])<<8 | int(b[off+2])
		} else {
			if start > len(b) {
				return malformed("element 0x%02x at offset %d: truncated length", id, off)
			}
			n = int(b[off+1])
		}
		if start+n > len(b) {
			return malformed("element 0x%02x at offset %d: length %d, only %d octets left", id, off, n, len(b)-start)
		}
		data := b[start : start+n]
		off = start + n
		if cs != 0 || seen[id] {
			if err := m.keep(IE{Codeset: cs, ID: id, Data: slices.Clone(data)}); err != nil {
				return err
			}
			continue
		}
		seen[id] = true
		known, err := m.decodeKnown(id, data)
		if err != nil {
			return err
		}
		if !known {
			if err := m.keep(IE{ID: id, Data: slices.Clone(data)}); err != nil {
				return err
			}
		}
	}
	return nil
}

// keep appends an uninterpreted element, up to maxOther of them.
func (m *Message) keep(ie IE) error {
	if len(m.Other) == maxOther {
		return malformed("more than %d uninterpreted information elements", maxOther)
	}
	m.Other = append(m.Other, ie)
	return nil
}

// decodeKnown fills the field of element id from its contents; it
// reports false for an element Message has no field for.
func (m *Message) decodeKnown(id uint8, data []byte) (bool, error) {
	var err error
	switch id {
	case ieBearerCapability:
		m.BearerCapability, err = decodeBearerCapability(data)
	case ieCause:
		m.Cause, err = decodeCause(data)
	case ieCallState:
		m.CallState, err = decodeCallState(data)
	case ieProgressIndicator:
		m.ProgressIndicator, err = decodeProgressIndicator(data)
	case ieDisplay:
		m.Display = trimNUL(data)
	case ieKeypadFacility:
		m.KeypadFacility, err = decodeIA5("keypad facility", data)
	case ieSignal:
		m.Signal, err = decodeSignal(data)
	case ieCallingPartyNumber:
		m.CallingPartyNumber, err = decodePartyNumber("calling party number", data)
	case ieCalledPartyNumber:
		m.CalledPartyNumber, err = decodePartyNumber("called party number", data)
	case ieUserUser:
		m.UserUser, err = decodeUserUser(data)
	default:
		return false, nil
	}
	return true, err
}

// element is one encoded multi-octet element, before framing.
type element struct {
	id   uint8
	data []byte
}

// Encode returns the message in Q.931 octets, with a two-octet call
// reference and the elements in ascending identifier order (Q.931
// §4.5.1). It refuses a field out of its range and an element too long
// for its length octets, naming the element.
func (m *Message) Encode() ([]byte, error) {
	if m.CallRef > 0x7fff {
		return nil, fmt.Errorf("call reference %#x: more than 15 bits", m.CallRef)
	}
	if m.Type == 0 || m.Type&0x80 != 0 {
		return nil, fmt.Errorf("message type 0x%02x: not a Q.931 message type", uint8(m.Type))
	}
	cr := m.CallRef
	if m.CallRefFlag {
		cr |= 0x8000
	}
	out := []byte{ProtocolDiscriminator, 2, byte(cr >> 8), byte(cr), byte(m.Type)}
	if m.SendingComplete {
		out = append(out, ieSendingComplete)
	}
	for _, ie := range m.Other {
		if ie.Codeset == 0 && ie.ID&0x80 != 0 {
			if ie.ID&0xf0 == 0x90 {
				return nil, fmt.Errorf("other element 0x%02x: a shift is not an element", ie.ID)
			}
			out = append(out, ie.ID)
		}
	}
	elems, err := m.knownElements()
	if err != nil {
		return nil, err
	}
	for _, ie := range m.Other {
		if ie.Codeset == 0 && ie.ID&0x80 == 0 {
			elems = append(elems, element{ie.ID, ie.Data})
		}
	}
	slices.SortStableFunc(elems, func(a, b element) int { return int(a.id) - int(b.id) })
	for _, e := range elems {
		if out, err = appendElement(out, 0, e.id, e.data); err != nil {
			return nil, err
		}
	}
	for _, ie := range m.Other {
		if ie.Codeset == 0 {
			continue
		}
		if ie.Codeset > 7 {
			return nil, fmt.Errorf("other element 0x%02x: codeset %d, at most 7", ie.ID, ie.Codeset)
		}
		if ie.ID&0xf0 == 0x90 {
			return nil, fmt.Errorf("other element 0x%02x: a shift is not an element", ie.ID)
		}
		out = append(out, 0x98|ie.Codeset)
		if ie.ID&0x80 != 0 {
			out = append(out, ie.ID)
			continue
		}
		if out, err = appendElement(out, ie.Codeset, ie.ID, ie.Data); err != nil {
			return nil, err
		}
	}
	if len(out) > MaxMessageSize {
		return nil, fmt.Errorf("message of %d octets: at most %d", len(out), MaxMessageSize)
	}
	return out, nil
}

// knownElements encodes the contents of every typed element present.
func (m *Message) knownElements() ([]element, error) {
	type field struct {
		id     uint8
		encode func() ([]byte, error)
	}
	var fields []field
	raw := func(b []byte) func() ([]byte, error) {
		return func() ([]byte, error) { return b, nil }
	}
	if m.BearerCapability != nil {
		fields = append(fields, field{ieBearerCapability, m.BearerCapability.encode})
	}
	if m.Cause != nil {
		fields = append(fields, field{ieCause, m.Cause.encode})
	}
	if m.CallState != nil {
		fields = append(fields, field{ieCallState, m.CallState.encode})
	}
	if m.ProgressIndicator != nil {
		fields = append(fields, field{ieProgressIndicator, m.ProgressIndicator.encode})
	}
	if m.Display != "" {
		fields = append(fields, field{ieDisplay, raw([]byte(m.Display))})
	}
	if m.KeypadFacility != "" {
		fields = append(fields, field{ieKeypadFacility, func() ([]byte, error) { return encodeIA5("keypad facility", m.KeypadFacility) }})
	}
	if m.Signal != nil {
		fields = append(fields, field{ieSignal, raw([]byte{byte(*m.Signal)})})
	}
	if m.CallingPartyNumber != nil {
		fields = append(fields, field{ieCallingPartyNumber, func() ([]byte, error) { return m.CallingPartyNumber.encode("calling party number") }})
	}
	if m.CalledPartyNumber != nil {
		fields = append(fields, field{ieCalledPartyNumber, func() ([]byte, error) { return m.CalledPartyNumber.encode("called party number") }})
	}
	if m.UserUser != nil {
		fields = append(fields, field{ieUserUser, raw(append([]byte{userUserDiscriminator}, m.UserUser...))})
	}
	elems := make([]element, 0, len(fields)+len(m.Other))
	for _, f := range fields {
		data, err := f.encode()
		if err != nil {
			return nil, err
		}
		elems = append(elems, element{f.id, data})
	}
	return elems, nil
}

// appendElement frames one multi-octet element: identifier, length (two
// octets for codeset 0's User-user, one otherwise) and contents.
func appendElement(out []byte, cs, id uint8, data []byte) ([]byte, error) {
	if cs == 0 && id == ieUserUser {
		if len(data) > 0xffff {
			return nil, fmt.Errorf("user-user: %d octets, at most %d", len(data), 0xffff)
		}
		out = append(out, id, byte(len(data)>>8), byte(len(data)))
		return append(out, data...), nil
	}
	if len(data) > 0xff {
		return nil, fmt.Errorf("element 0x%02x: %d octets, at most 255", id, len(data))
	}
	out = append(out, id, byte(len(data)))
	return append(out, data...), nil
}
