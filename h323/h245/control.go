package h245

import (
	"github.com/parleyhq/parley/h323/per"
)

// MasterSlaveDetermination (H.245 request) starts master/slave
// determination: the sender's terminalType (e.g. 50 for a terminal, 190 for
// an MCU, as H.323 lists them) and its random statusDeterminationNumber
// (0..2^24-1).
type MasterSlaveDetermination struct {
	TerminalType int
	Number       uint32
}

func (m MasterSlaveDetermination) value() (per.Choice, error) {
	return wrap("request", "masterSlaveDetermination", per.Seq{
		"terminalType":              int64(m.TerminalType),
		"statusDeterminationNumber": int64(m.Number),
	}), nil
}

func parseMSD(v any) (Message, error) {
	t, err := intAt(v, 0, 255, "terminalType")
	if err != nil {
		return nil, err
	}
	n, err := intAt(v, 0, 1<<24-1, "statusDeterminationNumber")
	if err != nil {
		return nil, err
	}
	return MasterSlaveDetermination{TerminalType: t, Number: uint32(n)}, nil
}

// MasterSlaveDeterminationAck (response) states the decision from the
// receiver's point of view: Master true tells the receiver it is the master.
type MasterSlaveDeterminationAck struct{ Master bool }

func (m MasterSlaveDeterminationAck) value() (per.Choice, error) {
	d := "slave"
	if m.Master {
		d = "master"
	}
	return wrap("response", "masterSlaveDeterminationAck", per.Seq{
		"decision": per.Choice{Name: d, Value: per.Null{}},
	}), nil
}

func parseMSDAck(v any) (Message, error) {
	d, err := choiceAt(v, "decision")
	if err != nil {
		return nil, err
	}
	switch d.Name {
	case "master":
		return MasterSlaveDeterminationAck{Master: true}, nil
	case "slave":
		return MasterSlaveDeterminationAck{}, nil
	}
	return nil, malformed("decision %q", d.Name)
}

// MasterSlaveDeterminationReject (response, cause identicalNumbers) asks the
// peer to retry with a new number.
type MasterSlaveDeterminationReject struct{}

func (MasterSlaveDeterminationReject) value() (per.Choice, error) {
	return wrap("response", "masterSlaveDeterminationReject", per.Seq{
		"cause": per.Choice{Name: "identicalNumbers", Value: per.Null{}},
	}), nil
}

// MasterSlaveDeterminationRelease (indication) abandons a determination
// whose timer T106 expired.
type MasterSlaveDeterminationRelease struct{}

func (MasterSlaveDeterminationRelease) value() (per.Choice, error) {
	return wrap("indication", "masterSlaveDeterminationRelease", per.Seq{}), nil
}

// TerminalCapabilitySetAck (response) acknowledges the
// TerminalCapabilitySet of that sequence number.
type TerminalCapabilitySetAck struct{ Sequence int }

func (m TerminalCapabilitySetAck) value() (per.Choice, error) {
	return wrap("response", "terminalCapabilitySetAck", per.Seq{"sequenceNumber": int64(m.Sequence)}), nil
}

func parseTCSAck(v any) (Message, error) {
	n, err := intAt(v, 0, 255, "sequenceNumber")
	if err != nil {
		return nil, err
	}
	return TerminalCapabilitySetAck{Sequence: n}, nil
}

// TerminalCapabilitySetReject (response) refuses the TerminalCapabilitySet
// of that sequence number; Cause is the cause alternative, e.g.
// "unspecified" or "undefinedTableEntryUsed" (the default when encoding is
// "unspecified").
type TerminalCapabilitySetReject struct {
	Sequence int
	Cause    string
}

func (m TerminalCapabilitySetReject) value() (per.Choice, error) {
	c := m.Cause
	switch c {
	case "":
		c = "unspecified"
	case "unspecified", "undefinedTableEntryUsed", "descriptorCapacityExceeded":
	default:
		return per.Choice{}, errorf("terminal capability set reject: cause %q cannot be encoded", c)
	}
	return wrap("response", "terminalCapabilitySetReject", per.Seq{
		"sequenceNumber": int64(m.Sequence),
		"cause":          per.Choice{Name: c, Value: per.Null{}},
	}), nil
}

func parseTCSReject(v any) (Message, error) {
	n, err := intAt(v, 0, 255, "sequenceNumber")
	if err != nil {
		return nil, err
	}
	c, err := choiceAt(v, "cause")
	if err != nil {
		return nil, err
	}
	return TerminalCapabilitySetReject{Sequence: n, Cause: c.Name}, nil
}

// TerminalCapabilitySetRelease (indication) abandons a capability exchange
// whose timer T101 expired.
type TerminalCapabilitySetRelease struct{}

func (TerminalCapabilitySetRelease) value() (per.Choice, error) {
	return wrap("indication", "terminalCapabilitySetRelease", per.Seq{}), nil
}

// SendTerminalCapabilitySet (command, genericRequest) asks the receiver to
// send its TerminalCapabilitySet again.
type SendTerminalCapabilitySet struct{}

func (SendTerminalCapabilitySet) value() (per.Choice, error) {
	return wrap("command", "sendTerminalCapabilitySet", per.Choice{Name: "genericRequest", Value: per.Null{}}), nil
}

// EndSessionCommand (H.245 command, disconnect) ends the H.245
// session: H.323 §8.5 ends the call after it, each side sending it once.
type EndSessionCommand struct{}

func (EndSessionCommand) value() (per.Choice, error) {
	return wrap("command", "endSessionCommand", per.Choice{Name: "disconnect", Value: per.Null{}}), nil
}

// RoundTripDelayRequest (request) asks for a RoundTripDelayResponse of the
// same sequence number.
type RoundTripDelayRequest struct{ Sequence int }

func (m RoundTripDelayRequest) value() (per.Choice, error) {
	return wrap("request", "roundTripDelayRequest", per.Seq{"sequenceNumber": int64(m.Sequence)}), nil
}

// RoundTripDelayResponse (response) answers the RoundTripDelayRequest of
// the same sequence number.
type RoundTripDelayResponse struct{ Sequence int }

func (m RoundTripDelayResponse) value() (per.Choice, error) {
	return wrap("response", "roundTripDelayResponse", per.Seq{"sequenceNumber": int64(m.Sequence)}), nil
}
