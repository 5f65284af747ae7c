package h245

import (
	"fmt"
	"net/netip"

	"github.com/parleyhq/parley/h323/per"
)

// OpenLogicalChannel (H.245 request) opens a logical channel, and
// is also the element of H.225.0 fastStart (H.323 §8.1.7). Forward describes
// the channel from the sender (nil: dataType nullData, as in a fast-start
// proposal that only offers the reverse direction); Reverse, when present,
// the direction back to the sender.
type OpenLogicalChannel struct {
	Number  int
	Forward *Params
	Reverse *Params
}

// Params are the forward or reverse logical channel parameters of an
// OpenLogicalChannel: the audio data type, and the H.225.0 multiplex
// parameters (H2250 true when multiplexParameters is
// h2250LogicalChannelParameters) with the RTP session, the RTP address
// (MediaChannel) and the RTCP address (MediaControlChannel); an absent
// address is the zero AddrPort.
type Params struct {
	Audio               Audio
	H2250               bool
	SessionID           int
	MediaChannel        netip.AddrPort
	MediaControlChannel netip.AddrPort
}

func (m OpenLogicalChannel) value() (per.Choice, error) {
	v, err := m.seq()
	if err != nil {
		return per.Choice{}, err
	}
	return wrap("request", "openLogicalChannel", v), nil
}

// seq returns the OpenLogicalChannel SEQUENCE value of m.
func (m OpenLogicalChannel) seq() (per.Seq, error) {
	fwd := per.Seq{
		"dataType":            per.Choice{Name: "nullData", Value: per.Null{}},
		"multiplexParameters": per.Choice{Name: "none", Value: per.Null{}},
	}
	if m.Forward != nil {
		dt, mux, err := m.Forward.values(true)
		if err != nil {
			return nil, fmt.Errorf("open logical channel %d forward: %w", m.Number, err)
		}
		fwd = per.Seq{"dataType": dt, "multiplexParameters": mux}
	}
	v := per.Seq{
		"forwardLogicalChannelNumber":     int64(m.Number),
		"forwardLogicalChannelParameters": fwd,
	}
	if m.Reverse != nil {
		dt, mux, err := m.Reverse.values(false)
		if err != nil {
			return nil, fmt.Errorf("open logical channel %d reverse: %w", m.Number, err)
		}
		v["reverseLogicalChannelParameters"] = per.Seq{"dataType": dt, "multiplexParameters": mux}
	}
	return v, nil
}

// values returns the dataType and the h2250LogicalChannelParameters of p.
func (p *Params) values(forward bool) (per.Choice, per.Choice, error) {
	a, err := audioValue(p.Audio)
	if err != nil {
		return per.Choice{}, per.Choice{}, err
	}
	h := per.Seq{"sessionID": int64(p.SessionID), "mediaGuaranteedDelivery": false}
	for name, addr := range map[string]netip.AddrPort{"mediaChannel": p.MediaChannel, "mediaControlChannel": p.MediaControlChannel} {
		if addr.IsValid() {
			if h[name], err = addrValue(addr); err != nil {
				return per.Choice{}, per.Choice{}, err
			}
		}
	}
	if forward {
		h["silenceSuppression"] = false
	}
	return per.Choice{Name: "audioData", Value: a},
		per.Choice{Name: "h2250LogicalChannelParameters", Value: h}, nil
}

func parseOLC(v any) (Message, error) { return olcOf(v) }

// olcOf reads an OpenLogicalChannel SEQUENCE value.
func olcOf(v any) (OpenLogicalChannel, error) {
	n, err := intAt(v, 1, 65535, "forwardLogicalChannelNumber")
	if err != nil {
		return OpenLogicalChannel{}, err
	}
	m := OpenLogicalChannel{Number: n}
	if m.Forward, err = paramsOf(v, "forwardLogicalChannelParameters"); err != nil {
		return OpenLogicalChannel{}, err
	}
	if has(v, "reverseLogicalChannelParameters") {
		if m.Reverse, err = paramsOf(v, "reverseLogicalChannelParameters"); err != nil {
			return OpenLogicalChannel{}, err
		}
		if m.Reverse == nil {
			return OpenLogicalChannel{}, malformed("reverseLogicalChannelParameters: nullData")
		}
	}
	return m, nil
}

// paramsOf reads the logical channel parameters named name in the
// OpenLogicalChannel v: nil for dataType nullData.
func paramsOf(v any, name string) (*Params, error) {
	dt, err := choiceAt(v, name, "dataType")
	if err != nil {
		return nil, err
	}
	if dt.Name == "nullData" {
		return nil, nil
	}
	p := &Params{Audio: Audio{Name: dt.Name}}
	if dt.Name == "audioData" {
		if p.Audio, err = audioOf(dt.Value); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	h, ok := per.Get(v, name, "multiplexParameters", "h2250LogicalChannelParameters").(per.Seq)
	if !ok {
		return p, nil
	}
	p.H2250 = true
	if p.SessionID, err = intAt(h, 0, 255, "sessionID"); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if p.MediaChannel, err = optAddrAt(h, "mediaChannel"); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if p.MediaControlChannel, err = optAddrAt(h, "mediaControlChannel"); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

// OpenLogicalChannelAck (response) accepts the OpenLogicalChannel Number;
// for H.225.0 its forwardMultiplexAckParameters carry the RTP session and
// where the receiver wants RTP (MediaChannel) and RTCP
// (MediaControlChannel); an absent field is zero.
type OpenLogicalChannelAck struct {
	Number              int
	SessionID           int
	MediaChannel        netip.AddrPort
	MediaControlChannel netip.AddrPort
}

func (m OpenLogicalChannelAck) value() (per.Choice, error) {
	h := per.Seq{"flowControlToZero": false}
	if m.SessionID != 0 {
		h["sessionID"] = int64(m.SessionID)
	}
	var err error
	for name, addr := range map[string]netip.AddrPort{"mediaChannel": m.MediaChannel, "mediaControlChannel": m.MediaControlChannel} {
		if addr.IsValid() {
			if h[name], err = addrValue(addr); err != nil {
				return per.Choice{}, err
			}
		}
	}
	return wrap("response", "openLogicalChannelAck", per.Seq{
		"forwardLogicalChannelNumber":   int64(m.Number),
		"forwardMultiplexAckParameters": per.Choice{Name: "h2250LogicalChannelAckParameters", Value: h},
	}), nil
}

func parseOLCAck(v any) (Message, error) {
	n, err := intAt(v, 1, 65535, "forwardLogicalChannelNumber")
	if err != nil {
		return nil, err
	}
	m := OpenLogicalChannelAck{Number: n}
	h := per.Get(v, "forwardMultiplexAckParameters", "h2250LogicalChannelAckParameters")
	if h == nil {
		return m, nil
	}
	if has(h, "sessionID") {
		if m.SessionID, err = intAt(h, 1, 255, "sessionID"); err != nil {
			return nil, err
		}
	}
	if m.MediaChannel, err = optAddrAt(h, "mediaChannel"); err != nil {
		return nil, err
	}
	if m.MediaControlChannel, err = optAddrAt(h, "mediaControlChannel"); err != nil {
		return nil, err
	}
	return m, nil
}

// OpenLogicalChannelReject (response) refuses the OpenLogicalChannel
// Number; Cause is the cause alternative, e.g. "dataTypeNotSupported"
// ("unspecified" when encoding an empty one).
type OpenLogicalChannelReject struct {
	Number int
	Cause  string
}

// rejectCauses are the OpenLogicalChannelReject causes this package sends.
var rejectCauses = map[string]bool{
	"unspecified": true, "unsuitableReverseParameters": true, "dataTypeNotSupported": true,
	"dataTypeNotAvailable": true, "unknownDataType": true, "invalidSessionID": true,
	"masterSlaveConflict": true,
}

func (m OpenLogicalChannelReject) value() (per.Choice, error) {
	c := m.Cause
	if c == "" {
		c = "unspecified"
	}
	if !rejectCauses[c] {
		return per.Choice{}, errorf("open logical channel reject: cause %q cannot be encoded", c)
	}
	return wrap("response", "openLogicalChannelReject", per.Seq{
		"forwardLogicalChannelNumber": int64(m.Number),
		"cause":                       per.Choice{Name: c, Value: per.Null{}},
	}), nil
}

func parseOLCReject(v any) (Message, error) {
	n, err := intAt(v, 1, 65535, "forwardLogicalChannelNumber")
	if err != nil {
		return nil, err
	}
	c, err := choiceAt(v, "cause")
	if err != nil {
		return nil, err
	}
	return OpenLogicalChannelReject{Number: n, Cause: c.Name}, nil
}

// CloseLogicalChannel (request) closes the sender's channel Number; LCSE
// true gives source lcse (the protocol closed it, e.g. after T103), false
// source user.
type CloseLogicalChannel struct {
	Number int
	LCSE   bool
}

func (m CloseLogicalChannel) value() (per.Choice, error) {
	src := "user"
	if m.LCSE {
		src = "lcse"
	}
	return wrap("request", "closeLogicalChannel", per.Seq{
		"forwardLogicalChannelNumber": int64(m.Number),
		"source":                      per.Choice{Name: src, Value: per.Null{}},
		"reason":                      per.Choice{Name: "unknown", Value: per.Null{}},
	}), nil
}

func parseCLC(v any) (Message, error) {
	n, err := intAt(v, 1, 65535, "forwardLogicalChannelNumber")
	if err != nil {
		return nil, err
	}
	src, err := choiceAt(v, "source")
	if err != nil {
		return nil, err
	}
	return CloseLogicalChannel{Number: n, LCSE: src.Name == "lcse"}, nil
}

// CloseLogicalChannelAck (response) confirms the close of channel Number.
type CloseLogicalChannelAck struct{ Number int }

func (m CloseLogicalChannelAck) value() (per.Choice, error) {
	return numberedValue("response", "closeLogicalChannelAck", m.Number), nil
}

// RequestChannelClose (request) asks the receiver to close its channel
// Number.
type RequestChannelClose struct{ Number int }

func (m RequestChannelClose) value() (per.Choice, error) {
	return numberedValue("request", "requestChannelClose", m.Number), nil
}

// RequestChannelCloseAck (response) agrees to close channel Number.
type RequestChannelCloseAck struct{ Number int }

func (m RequestChannelCloseAck) value() (per.Choice, error) {
	return numberedValue("response", "requestChannelCloseAck", m.Number), nil
}

// RequestChannelCloseReject (response, cause unspecified) refuses to close
// channel Number.
type RequestChannelCloseReject struct{ Number int }

func (m RequestChannelCloseReject) value() (per.Choice, error) {
	return wrap("response", "requestChannelCloseReject", per.Seq{
		"forwardLogicalChannelNumber": int64(m.Number),
		"cause":                       per.Choice{Name: "unspecified", Value: per.Null{}},
	}), nil
}

// numberedValue is a message whose only component is
// forwardLogicalChannelNumber.
func numberedValue(class, name string, n int) per.Choice {
	return wrap(class, name, per.Seq{"forwardLogicalChannelNumber": int64(n)})
}
