package h245

import (
	"fmt"

	"github.com/parleyhq/parley/h323/per"
)

// Message is one H.245 MultimediaSystemControlMessage (ITU-T H.245), as
// one of the types of this package: the request, response, command and
// indication messages a call's control procedures use, and Other for the
// rest.
type Message interface {
	// value returns the MultimediaSystemControlMessage value of the message.
	value() (per.Choice, error)
}

// Decode decodes one aligned-PER MultimediaSystemControlMessage (a PDU
// without its TPKT header). A message this package has no type for decodes
// as Other; a malformed one is an error wrapping ErrMalformed.
func Decode(b []byte) (Message, error) {
	v, err := decodeAs(messageType, b)
	if err != nil {
		return nil, err
	}
	top, ok := v.(per.Choice)
	if !ok {
		return nil, malformed("message: not a choice")
	}
	m, err := parse(top)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", kindOf(top), err)
	}
	return m, nil
}

// Encode encodes m as an aligned-PER MultimediaSystemControlMessage.
func Encode(m Message) ([]byte, error) {
	v, err := m.value()
	if err != nil {
		return nil, err
	}
	return encodeAs(messageType, v, kindOf(v))
}

// decodeAs decodes b as the type typ returns; a failure wraps ErrMalformed.
func decodeAs(typ func() (*per.Type, error), b []byte) (any, error) {
	t, err := typ()
	if err != nil {
		return nil, fmt.Errorf("h245: schema: %w", err)
	}
	v, err := t.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return v, nil
}

// encodeAs encodes v, which what names, as the type typ returns.
func encodeAs(typ func() (*per.Type, error), v any, what string) ([]byte, error) {
	t, err := typ()
	if err != nil {
		return nil, fmt.Errorf("h245: schema: %w", err)
	}
	b, err := t.Encode(v)
	if err != nil {
		return nil, fmt.Errorf("h245: encode %s: %w", what, err)
	}
	return b, nil
}

// kindOf names a MultimediaSystemControlMessage value "class.message", e.g.
// "request.openLogicalChannel".
func kindOf(top per.Choice) string {
	inner, _ := top.Value.(per.Choice)
	name := inner.Name
	if name == "" {
		name = "unknown"
	}
	return top.Name + "." + name
}

// wrap builds a MultimediaSystemControlMessage of class (request, response,
// command, indication) and alternative name holding v.
func wrap(class, name string, v any) per.Choice {
	return per.Choice{Name: class, Value: per.Choice{Name: name, Value: v}}
}

// parsers maps "class.message" to the function reading that message's
// value; it is never modified.
var parsers = map[string]func(v any) (Message, error){
	"request.masterSlaveDetermination":           parseMSD,
	"response.masterSlaveDeterminationAck":       parseMSDAck,
	"response.masterSlaveDeterminationReject":    func(any) (Message, error) { return MasterSlaveDeterminationReject{}, nil },
	"indication.masterSlaveDeterminationRelease": func(any) (Message, error) { return MasterSlaveDeterminationRelease{}, nil },
	"request.terminalCapabilitySet":              parseTCS,
	"response.terminalCapabilitySetAck":          parseTCSAck,
	"response.terminalCapabilitySetReject":       parseTCSReject,
	"indication.terminalCapabilitySetRelease":    func(any) (Message, error) { return TerminalCapabilitySetRelease{}, nil },
	"command.sendTerminalCapabilitySet":          func(any) (Message, error) { return SendTerminalCapabilitySet{}, nil },
	"request.openLogicalChannel":                 parseOLC,
	"response.openLogicalChannelAck":             parseOLCAck,
	"response.openLogicalChannelReject":          parseOLCReject,
	"request.closeLogicalChannel":                parseCLC,
	"response.closeLogicalChannelAck":            numbered(func(n int) Message { return CloseLogicalChannelAck{Number: n} }),
	"request.requestChannelClose":                numbered(func(n int) Message { return RequestChannelClose{Number: n} }),
	"response.requestChannelCloseAck":            numbered(func(n int) Message { return RequestChannelCloseAck{Number: n} }),
	"response.requestChannelCloseReject":         numbered(func(n int) Message { return RequestChannelCloseReject{Number: n} }),
	"command.endSessionCommand":                  func(any) (Message, error) { return EndSessionCommand{}, nil },
	"request.roundTripDelayRequest":              sequenced(func(n int) Message { return RoundTripDelayRequest{Sequence: n} }),
	"response.roundTripDelayResponse":            sequenced(func(n int) Message { return RoundTripDelayResponse{Sequence: n} }),
	"indication.userInput":                       parseUserInput,
	"indication.functionNotUnderstood":           parseFNU,
}

// parse reads a decoded MultimediaSystemControlMessage.
func parse(top per.Choice) (Message, error) {
	if top.Name == "" {
		return Other{Kind: "unknown"}, nil // an extension class we do not know
	}
	inner, ok := top.Value.(per.Choice)
	if !ok {
		return nil, malformed("%s: not a choice", top.Name)
	}
	if p := parsers[kindOf(top)]; p != nil && inner.Name != "" {
		return p(inner.Value)
	}
	return Other{Kind: kindOf(top), raw: top}, nil
}

// numbered returns a parser of a message whose only field this package
// reads is forwardLogicalChannelNumber.
func numbered(mk func(n int) Message) func(v any) (Message, error) {
	return func(v any) (Message, error) {
		n, err := intAt(v, 1, 65535, "forwardLogicalChannelNumber")
		if err != nil {
			return nil, err
		}
		return mk(n), nil
	}
}

// sequenced returns a parser of a message whose only field this package
// reads is sequenceNumber.
func sequenced(mk func(n int) Message) func(v any) (Message, error) {
	return func(v any) (Message, error) {
		n, err := intAt(v, 0, 255, "sequenceNumber")
		if err != nil {
			return nil, err
		}
		return mk(n), nil
	}
}

// Other is a message this package has no type for, e.g. a requestMode or a
// miscellaneousCommand; Kind names it "class.message". A Session answers an
// Other request with FunctionNotUnderstood and ignores the rest.
type Other struct {
	Kind string
	raw  per.Choice
}

func (o Other) value() (per.Choice, error) {
	if o.raw.Name == "" {
		return per.Choice{}, fmt.Errorf("h245: cannot encode %s", o.Kind)
	}
	return o.raw, nil
}

// FunctionNotUnderstood (H.245 indication) returns a request, response
// or command the sender did not understand; Kind names it "class.message".
type FunctionNotUnderstood struct {
	Kind string
	of   per.Choice
}

// notUnderstood returns the FunctionNotUnderstood indication for o, false
// when o is not a request, response or command or cannot be re-encoded.
func notUnderstood(o Other) (FunctionNotUnderstood, bool) {
	inner, ok := o.raw.Value.(per.Choice)
	if !ok || inner.Name == "" {
		return FunctionNotUnderstood{}, false
	}
	switch o.raw.Name {
	case "request", "response", "command":
		return FunctionNotUnderstood{Kind: o.Kind, of: o.raw}, true
	}
	return FunctionNotUnderstood{}, false
}

func (f FunctionNotUnderstood) value() (per.Choice, error) {
	if f.of.Name == "" {
		return per.Choice{}, fmt.Errorf("h245: function not understood: no message")
	}
	return wrap("indication", "functionNotUnderstood", f.of), nil
}

func parseFNU(v any) (Message, error) {
	c, ok := v.(per.Choice)
	if !ok {
		return nil, malformed("functionNotUnderstood: not a choice")
	}
	return FunctionNotUnderstood{Kind: kindOf(c), of: c}, nil
}
