package h245

import (
	"strings"
	"time"

	"github.com/parleyhq/parley/h323/per"
)

// digits are the DTMF keys H.245 signalType allows besides '!' (hookflash).
const digits = "0123456789*#ABCD"

// UserInput is a UserInputIndication (H.245 indication): either
// Alphanumeric text (alphanumeric, or extendedAlphanumeric when decoding) or
// one Signal key of "0123456789*#ABCD!" with an optional Duration (signal).
// Other forms (signalUpdate, userInputSupportIndication, …) decode with
// neither set.
type UserInput struct {
	Alphanumeric string
	Signal       byte
	Duration     time.Duration
}

func (m UserInput) value() (per.Choice, error) {
	if m.Signal != 0 {
		if m.Alphanumeric != "" {
			return per.Choice{}, errorf("user input: both alphanumeric and signal")
		}
		if strings.IndexByte(digits+"!", m.Signal) < 0 {
			return per.Choice{}, errorf("user input: signal %q not in %q", m.Signal, digits+"!")
		}
		s := per.Seq{"signalType": string(m.Signal)}
		if m.Duration != 0 {
			ms := m.Duration.Milliseconds()
			if ms < 1 || ms > 65535 {
				return per.Choice{}, errorf("user input: duration %v out of range 1..65535 ms", m.Duration)
			}
			s["duration"] = ms
		}
		return wrap("indication", "userInput", per.Choice{Name: "signal", Value: s}), nil
	}
	if m.Alphanumeric == "" {
		return per.Choice{}, errorf("user input: empty")
	}
	return wrap("indication", "userInput", per.Choice{Name: "alphanumeric", Value: m.Alphanumeric}), nil
}

func parseUserInput(v any) (Message, error) {
	c, ok := v.(per.Choice)
	if !ok {
		return nil, malformed("userInput: not a choice")
	}
	switch c.Name {
	case "alphanumeric":
		s, ok := c.Value.(string)
		if !ok {
			return nil, malformed("userInput alphanumeric: not a string")
		}
		return UserInput{Alphanumeric: s}, nil
	case "extendedAlphanumeric":
		s, ok := per.Get(c.Value, "alphanumeric").(string)
		if !ok {
			return nil, malformed("userInput extendedAlphanumeric: no alphanumeric")
		}
		return UserInput{Alphanumeric: s}, nil
	case "signal":
		t, ok := per.Get(c.Value, "signalType").(string)
		if !ok || len(t) != 1 {
			return nil, malformed("userInput signal: signalType not one character")
		}
		m := UserInput{Signal: t[0]}
		if has(c.Value, "duration") {
			d, err := intAt(c.Value, 1, 65535, "duration")
			if err != nil {
				return nil, err
			}
			m.Duration = time.Duration(d) * time.Millisecond
		}
		return m, nil
	}
	return UserInput{}, nil
}

// keys returns the DTMF keys of m: the digits of its alphanumeric text (in
// upper case; other characters dropped) or its signal, unless that is a
// hookflash.
func (m UserInput) keys() []rune {
	var out []rune
	for _, r := range strings.ToUpper(m.Alphanumeric) {
		if strings.ContainsRune(digits, r) {
			out = append(out, r)
		}
	}
	if m.Signal != 0 && strings.IndexByte(digits, m.Signal) >= 0 {
		out = append(out, rune(m.Signal))
	}
	return out
}
