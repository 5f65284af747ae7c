package h225

import (
	"fmt"
	"net/netip"

	"github.com/parleyhq/parley/h323/per"
)

// userInformation returns the H323-UserInformation type of the embedded
// H.225.0 module.
func userInformation() (*per.Type, error) {
	return per.H323().Type("H323-MESSAGES", "H323-UserInformation")
}

// bodySpec says which common fields a UUIE has.
type bodySpec struct {
	uuie      string // the ASN.1 type, for error messages
	info      string // "sourceInfo", "destinationInfo" or "" (none, or optional)
	h245Addr  bool   // h245Address
	fastStart bool   // fastStart
	callFlags bool   // multipleCalls and maintainConnection (mandatory)
}

// specOf returns the fields of body b, or false for Empty and unknown bodies.
func specOf(b Body) (bodySpec, bool) {
	switch b {
	case Setup:
		return bodySpec{"Setup-UUIE", "sourceInfo", true, true, true}, true
	case CallProceeding:
		return bodySpec{"CallProceeding-UUIE", "destinationInfo", true, true, true}, true
	case Connect:
		return bodySpec{"Connect-UUIE", "destinationInfo", true, true, true}, true
	case Alerting:
		return bodySpec{"Alerting-UUIE", "destinationInfo", true, true, true}, true
	case Progress:
		return bodySpec{"Progress-UUIE", "destinationInfo", true, true, true}, true
	case Facility:
		return bodySpec{"Facility-UUIE", "", true, true, true}, true
	case Information:
		return bodySpec{"Information-UUIE", "", false, true, false}, true
	case ReleaseComplete:
		return bodySpec{"ReleaseComplete-UUIE", "", false, false, false}, true
	case Status:
		return bodySpec{"Status-UUIE", "", false, false, false}, true
	case StatusInquiry:
		return bodySpec{"StatusInquiry-UUIE", "", false, false, false}, true
	case SetupAcknowledge:
		return bodySpec{"SetupAcknowledge-UUIE", "", false, false, false}, true
	case Notify:
		return bodySpec{"Notify-UUIE", "", false, false, false}, true
	}
	return bodySpec{}, false
}

// protocolIdentifier is {itu-t(0) recommendation(0) h(8) 2250 version(0) v}.
func protocolIdentifier(v int) per.OID { return per.OID{0, 0, 8, 2250, 0, uint32(v)} }

// Encode returns the aligned-PER H323-UserInformation of m, announcing
// H.225.0 Version. Fields that m.Body does not have are ignored. It refuses
// an unknown body, a zero CallID or a zero ConferenceID where the body
// needs one, and every value the ASN.1 constraints refuse, with an error
// naming the field.
func Encode(m Message) ([]byte, error) {
	body, err := encodeBody(m)
	if err != nil {
		return nil, fmt.Errorf("h225: %w", err)
	}
	pdu := per.Seq{
		"h323-message-body": per.Choice{Name: string(m.Body), Value: body},
		"h245Tunneling":     m.H245Tunneling,
	}
	if m.H245Control != nil {
		pdu["h245Control"] = octetStrings(m.H245Control)
	}
	t, err := userInformation()
	if err != nil {
		return nil, err
	}
	b, err := t.Encode(per.Seq{"h323-uu-pdu": pdu})
	if err != nil {
		return nil, fmt.Errorf("h225: %w", err)
	}
	return b, nil
}

// encodeBody returns the value of the h323-message-body alternative.
func encodeBody(m Message) (any, error) {
	if m.Body == Empty {
		return per.Null{}, nil
	}
	spec, ok := specOf(m.Body)
	if !ok {
		return nil, fmt.Errorf("h323-message-body: unknown body %q", m.Body)
	}
	if m.CallID == (GUID{}) {
		return nil, fmt.Errorf("%s.callIdentifier: zero GUID", spec.uuie)
	}
	s := per.Seq{
		"protocolIdentifier": protocolIdentifier(Version),
		"callIdentifier":     per.Seq{"guid": m.CallID[:]},
	}
	if spec.info != "" {
		s[spec.info] = endpointType(m.Info)
	}
	if spec.h245Addr && m.H245Address.IsValid() {
		s["h245Address"] = transportAddress(m.H245Address)
	}
	if spec.fastStart && m.FastStart != nil {
		s["fastStart"] = octetStrings(m.FastStart)
	}
	if spec.callFlags {
		s["multipleCalls"], s["maintainConnection"] = false, false
	}
	switch m.Body {
	case Setup:
		return s, encodeSetup(m, s)
	case Connect:
		if m.ConferenceID == (GUID{}) {
			return nil, fmt.Errorf("%s.conferenceID: zero GUID", spec.uuie)
		}
		s["conferenceID"] = m.ConferenceID[:]
	case ReleaseComplete:
		if m.Reason != "" {
			s["reason"] = per.Choice{Name: string(m.Reason), Value: per.Null{}}
		}
	case Facility:
		reason := m.FacilityReason
		if reason == "" {
			reason = FacilityUndefined
		}
		s["reason"] = per.Choice{Name: string(reason), Value: per.Null{}}
		if m.ConferenceID != (GUID{}) {
			s["conferenceID"] = m.ConferenceID[:]
		}
	}
	return s, nil
}

// encodeSetup adds the Setup-UUIE's own fields to s.
func encodeSetup(m Message, s per.Seq) error {
	if m.ConferenceID == (GUID{}) {
		return fmt.Errorf("Setup-UUIE.conferenceID: zero GUID")
	}
	goal := m.Goal
	if goal == "" {
		goal = GoalCreate
	}
	s["conferenceID"] = m.ConferenceID[:]
	s["conferenceGoal"] = per.Choice{Name: string(goal), Value: per.Null{}}
	s["callType"] = per.Choice{Name: "pointToPoint", Value: per.Null{}}
	s["activeMC"] = m.ActiveMC
	s["mediaWaitForConnect"] = m.MediaWaitForConnect
	s["canOverlapSend"] = m.CanOverlapSend
	for _, a := range []struct {
		name    string
		aliases []Alias
	}{{"sourceAddress", m.SourceAddress}, {"destinationAddress", m.DestinationAddress}} {
		if len(a.aliases) == 0 {
			continue
		}
		list := make([]any, len(a.aliases))
		for i, al := range a.aliases {
			v, err := aliasAddress(al)
			if err != nil {
				return fmt.Errorf("Setup-UUIE.%s[%d]: %w", a.name, i, err)
			}
			list[i] = v
		}
		s[a.name] = list
	}
	if m.DestCallSignalAddress.IsValid() {
		s["destCallSignalAddress"] = transportAddress(m.DestCallSignalAddress)
	}
	if m.SourceCallSignalAddress.IsValid() {
		s["sourceCallSignalAddress"] = transportAddress(m.SourceCallSignalAddress)
	}
	return nil
}

// transportAddress encodes an IPv4 address as ipAddress, any other as
// ip6Address.
func transportAddress(a netip.AddrPort) per.Choice {
	ip := a.Addr().Unmap()
	if ip.Is4() {
		b := ip.As4()
		return per.Choice{Name: "ipAddress", Value: per.Seq{"ip": b[:], "port": int64(a.Port())}}
	}
	b := ip.As16()
	return per.Choice{Name: "ip6Address", Value: per.Seq{"ip": b[:], "port": int64(a.Port())}}
}

func aliasAddress(a Alias) (per.Choice, error) {
	switch a.Kind {
	case DialedDigits, H323ID, URLID, EmailID:
		return per.Choice{Name: string(a.Kind), Value: a.Value}, nil
	case TransportID:
		if !a.Address.IsValid() {
			return per.Choice{}, fmt.Errorf("transportID: no address")
		}
		return per.Choice{Name: string(a.Kind), Value: transportAddress(a.Address)}, nil
	case PartyNumber:
		return per.Choice{Name: string(a.Kind), Value: per.Choice{Name: "e164Number", Value: per.Seq{
			"publicTypeOfNumber": per.Choice{Name: "unknown", Value: per.Null{}},
			"publicNumberDigits": a.Value,
		}}}, nil
	}
	return per.Choice{}, fmt.Errorf("unknown alias kind %q", a.Kind)
}

func endpointType(e EndpointType) per.Seq {
	s := per.Seq{"mc": e.MCU, "undefinedNode": false}
	if e.Terminal {
		s["terminal"] = per.Seq{}
	}
	if e.Gateway {
		s["gateway"] = per.Seq{}
	}
	if e.MCU {
		s["mcu"] = per.Seq{}
	}
	if v := e.Vendor; v != nil {
		vs := per.Seq{"vendor": per.Seq{
			"t35CountryCode":   int64(v.Country),
			"t35Extension":     int64(v.Extension),
			"manufacturerCode": int64(v.Manufacturer),
		}}
		if v.Product != "" {
			vs["productId"] = []byte(v.Product)
		}
		if v.Version != "" {
			vs["versionId"] = []byte(v.Version)
		}
		s["vendor"] = vs
	}
	return s
}

func octetStrings(list [][]byte) []any {
	out := make([]any, len(list))
	for i, b := range list {
		out[i] = b
	}
	return out
}
