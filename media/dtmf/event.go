// Package dtmf receives DTMF digits by the three routes phones use: RTP
// telephone events (RFC 4733, Receiver), tones in the audio (ITU-T Q.23 and
// Q.24, Detector) and SIP INFO requests (RFC 6086, ParseInfo).
package dtmf

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// EventSize is the size of one event report in a telephone-event payload
// (RFC 4733 §2.3).
const EventSize = 4

// MaxVolume is the largest volume an event report can carry, in -dBm0
// (RFC 4733 §2.3.4).
const MaxVolume = 63

// Errors returned by ParseEvent.
var (
	// ErrShortPayload means the payload is shorter than one event report.
	ErrShortPayload = errors.New("dtmf: telephone-event payload shorter than 4 bytes")
	// ErrInvalidPayload means the payload is not a whole number of event
	// reports.
	ErrInvalidPayload = errors.New("dtmf: telephone-event payload is not a multiple of 4 bytes")
)

// Event is one event report of a telephone-event payload (RFC 4733 §2.3):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     event     |E|R| volume    |          duration             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
type Event struct {
	// Code is the event code (RFC 4733 §2.3.1); 0-15 are the DTMF digits
	// (§3.2).
	Code uint8
	// End is the E bit: this report ends the event (§2.3.2).
	End bool
	// Volume is the power level of the tone, 0 to 63, in -dBm0 (§2.3.4).
	Volume uint8
	// Duration is how long the event has lasted so far, in RTP timestamp
	// units, counted from the packet's RTP timestamp (§2.3.5).
	Duration uint16
}

// ParseEvent parses the first event report of a telephone-event payload.
// The reserved R bit is ignored, as RFC 4733 §2.3.3 asks of receivers. A
// payload may pack several reports (§2.5.1.5), so any multiple of 4 bytes is
// accepted.
func ParseEvent(payload []byte) (Event, error) {
	if len(payload) < EventSize {
		return Event{}, fmt.Errorf("%w: %d bytes", ErrShortPayload, len(payload))
	}
	if len(payload)%EventSize != 0 {
		return Event{}, fmt.Errorf("%w: %d bytes", ErrInvalidPayload, len(payload))
	}
	return Event{
		Code:     payload[0],
		End:      payload[1]&0x80 != 0,
		Volume:   payload[1] & 0x3f,
		Duration: binary.BigEndian.Uint16(payload[2:4]),
	}, nil
}

// AppendTo appends the event's 4-byte report to b and returns the result.
// A Volume above MaxVolume is clamped.
func (e Event) AppendTo(b []byte) []byte {
	v := min(e.Volume, MaxVolume)
	if e.End {
		v |= 0x80
	}
	return append(b, e.Code, v, byte(e.Duration>>8), byte(e.Duration))
}

// Digit returns the DTMF digit of an event code: '0'-'9' for 0-9, '*' for
// 10, '#' for 11 and 'A'-'D' for 12-15 (RFC 4733 §3.2). ok is false for
// any other code.
func Digit(code uint8) (digit rune, ok bool) {
	switch {
	case code <= 9:
		return rune('0' + code), true
	case code == 10:
		return '*', true
	case code == 11:
		return '#', true
	case code <= 15:
		return rune('A' + code - 12), true
	}
	return 0, false
}
