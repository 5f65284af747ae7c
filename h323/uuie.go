package h323

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/netip"
	"sync"

	"github.com/parleyhq/parley/h323/per"
)

// This file maps the H.225.0 H323-UserInformation that a Q.931 message
// carries in its User-user element to the few fields a call uses (uu),
// over package per's generic values.

// protocolID is the H.225.0 protocolIdentifier Parley sends: version 7
// (H.225.0 v7, what H323Plus sends too); any from 2 up is accepted.
var protocolID = per.OID{0, 0, 8, 2250, 0, 7}

// minProtocolVersion is the oldest H.225.0 version taken: H.225.0 v2 is
// the first with callIdentifier, fastStart and h245Tunneling.
const minProtocolVersion = 2

// The h323-message-body alternatives a call sends or handles.
const (
	bodySetup           = "setup"
	bodyCallProceeding  = "callProceeding"
	bodyConnect         = "connect"
	bodyAlerting        = "alerting"
	bodyInformation     = "information"
	bodyReleaseComplete = "releaseComplete"
	bodyFacility        = "facility"
	bodyProgress        = "progress"
	bodyEmpty           = "empty"
	bodyStatus          = "status"
	bodyStatusInquiry   = "statusInquiry"
)

// alias is an AliasAddress: dialedDigits (E.164-like digits) or h323-ID
// (text); other kinds are kept by kind with an empty value.
type alias struct {
	kind  string // "dialedDigits", "h323-ID", or another AliasAddress alternative
	value string
}

// uu is the part of an H323-UserInformation a call reads or writes.
type uu struct {
	body        string         // the h323-message-body alternative
	version     int            // the protocolIdentifier's version; decode only
	callID      []byte         // callIdentifier.guid, 16 octets
	confID      []byte         // conferenceID of Setup and Connect, 16 octets
	destAlias   []alias        // Setup: destinationAddress
	srcAlias    []alias        // Setup: sourceAddress
	fastStart   [][]byte       // fastStart: encoded OpenLogicalChannels
	fastRefused bool           // fastConnectRefused
	h245Addr    netip.AddrPort // h245Address (IPv4 only)
	destAddr    netip.AddrPort // Setup: destCallSignalAddress
	tunnelling  bool           // h245Tunneling
	h245        [][]byte       // h245Control: tunnelled H.245 messages
	reason      string         // ReleaseComplete's or Facility's reason alternative
}

var (
	uuTypeOnce sync.Once
	uuType     *per.Type
	uuTypeErr  error
)

// userInformation returns the H323-UserInformation type of the embedded
// schema, parsed once.
func userInformation() (*per.Type, error) {
	uuTypeOnce.Do(func() {
		uuType, uuTypeErr = per.H323().Type("H323-MESSAGES", "H323-UserInformation")
	})
	return uuType, uuTypeErr
}

// newGUID returns a random GloballyUniqueID (callIdentifier,
// conferenceID).
func newGUID() []byte {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return b
}

// errMalformedUU is wrapped by decodeUU's errors.
var errMalformedUU = errors.New("malformed h323-userinformation")

// decodeUU reads the User-user element's H323-UserInformation.
func decodeUU(b []byte) (uu, error) {
	t, err := userInformation()
	if err != nil {
		return uu{}, err
	}
	v, err := t.Decode(b)
	if err != nil {
		return uu{}, fmt.Errorf("%w: %w", errMalformedUU, err)
	}
	pdu := per.Get(v, "h323-uu-pdu")
	body, ok := per.Get(pdu, "h323-message-body").(per.Choice)
	if !ok || body.Name == "" {
		return uu{}, fmt.Errorf("%w: unknown h323-message-body", errMalformedUU)
	}
	u := uu{body: body.Name}
	u.tunnelling, _ = per.Get(pdu, "h245Tunneling").(bool)
	u.h245 = octetsList(per.Get(pdu, "h245Control"))
	m := body.Value
	if oid, ok := per.Get(m, "protocolIdentifier").(per.OID); ok && len(oid) == 6 {
		u.version = int(oid[5])
	}
	if u.body != bodyEmpty && u.version < minProtocolVersion {
		return uu{}, fmt.Errorf("%w: %s: H.225.0 version %d, want %d or later", errMalformedUU, u.body, u.version, minProtocolVersion)
	}
	u.callID, _ = per.Get(m, "callIdentifier", "guid").([]byte)
	u.confID, _ = per.Get(m, "conferenceID").([]byte)
	u.destAlias = aliases(per.Get(m, "destinationAddress"))
	u.srcAlias = aliases(per.Get(m, "sourceAddress"))
	u.fastStart = octetsList(per.Get(m, "fastStart"))
	u.fastRefused = per.Get(m, "fastConnectRefused") != nil
	u.h245Addr = transportAddr(per.Get(m, "h245Address"))
	u.destAddr = transportAddr(per.Get(m, "destCallSignalAddress"))
	if r, ok := per.Get(m, "reason").(per.Choice); ok {
		u.reason = r.Name
	}
	return u, nil
}

// octetsList reads a SEQUENCE OF OCTET STRING.
func octetsList(v any) [][]byte {
	list, _ := v.([]any)
	out := make([][]byte, 0, len(list))
	for _, e := range list {
		if b, ok := e.([]byte); ok {
			out = append(out, b)
		}
	}
	return out
}

// aliases reads a SEQUENCE OF AliasAddress.
func aliases(v any) []alias {
	list, _ := v.([]any)
	var out []alias
	for _, e := range list {
		c, ok := e.(per.Choice)
		if !ok {
			continue
		}
		s, _ := c.Value.(string)
		out = append(out, alias{kind: c.Name, value: s})
	}
	return out
}

// transportAddr reads an ipAddress TransportAddress; anything else is the
// zero AddrPort.
func transportAddr(v any) netip.AddrPort {
	ip, _ := per.Get(v, "ipAddress", "ip").([]byte)
	port, _ := per.Get(v, "ipAddress", "port").(int64)
	a, ok := netip.AddrFromSlice(ip)
	if !ok || len(ip) != 4 || port < 0 || port > 65535 {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(a, uint16(port))
}

// transportValue is the ipAddress TransportAddress of a.
func transportValue(a netip.AddrPort) any {
	ip := a.Addr().Unmap().As4()
	return per.Choice{Name: "ipAddress", Value: per.Seq{"ip": ip[:], "port": int64(a.Port())}}
}

// aliasValues is a SEQUENCE OF AliasAddress.
func aliasValues(as []alias) []any {
	out := make([]any, len(as))
	for i, a := range as {
		out[i] = per.Choice{Name: a.kind, Value: a.value}
	}
	return out
}

// octetsValues is a SEQUENCE OF OCTET STRING.
func octetsValues(bs [][]byte) []any {
	out := make([]any, len(bs))
	for i, b := range bs {
		out[i] = b
	}
	return out
}

// endpointType is Parley's EndpointType: a terminal with its vendor.
// Parley mixes like an MCU, but each room system sees one point-to-point
// call, so it claims no MC (which would invite conference requests).
func endpointType() per.Seq {
	return per.Seq{
		"vendor": per.Seq{
			"vendor":    per.Seq{"t35CountryCode": int64(181), "t35Extension": int64(0), "manufacturerCode": int64(0)}, // 181: USA; no code of our own
			"productId": []byte("Parley"),
		},
		"terminal":      per.Seq{},
		"mc":            false,
		"undefinedNode": false,
	}
}

// encodeUU encodes u as an H323-UserInformation.
func encodeUU(u uu) ([]byte, error) {
	t, err := userInformation()
	if err != nil {
		return nil, err
	}
	m := per.Seq{"protocolIdentifier": protocolID}
	callID := per.Seq{"guid": u.callID}
	switch u.body {
	case bodySetup:
		m["sourceInfo"] = endpointType()
		m["activeMC"] = false
		m["conferenceID"] = u.confID
		m["conferenceGoal"] = per.Choice{Name: "create", Value: per.Null{}}
		m["callType"] = per.Choice{Name: "pointToPoint", Value: per.Null{}}
		m["callIdentifier"] = callID
		m["mediaWaitForConnect"] = false
		m["canOverlapSend"] = false
		m["multipleCalls"] = false
		m["maintainConnection"] = false
		if len(u.srcAlias) > 0 {
			m["sourceAddress"] = aliasValues(u.srcAlias)
		}
		if len(u.destAlias) > 0 {
			m["destinationAddress"] = aliasValues(u.destAlias)
		}
		if u.destAddr.IsValid() {
			m["destCallSignalAddress"] = transportValue(u.destAddr)
		}
	case bodyCallProceeding, bodyAlerting, bodyProgress:
		m["destinationInfo"] = endpointType()
		m["callIdentifier"] = callID
		m["multipleCalls"] = false
		m["maintainConnection"] = false
	case bodyConnect:
		m["destinationInfo"] = endpointType()
		m["conferenceID"] = u.confID
		m["callIdentifier"] = callID
		m["multipleCalls"] = false
		m["maintainConnection"] = false
	case bodyReleaseComplete:
		m["callIdentifier"] = callID
		if u.reason != "" {
			m["reason"] = per.Choice{Name: u.reason, Value: per.Null{}}
		}
	case bodyFacility:
		m["callIdentifier"] = callID
		m["reason"] = per.Choice{Name: u.reason, Value: per.Null{}}
		m["multipleCalls"] = false
		m["maintainConnection"] = false
	case bodyStatus, bodyInformation:
		m["callIdentifier"] = callID
	case bodyEmpty:
	default:
		return nil, fmt.Errorf("h323: cannot encode a %s message", u.body)
	}
	if u.h245Addr.IsValid() && u.body != bodyStatus && u.body != bodyInformation && u.body != bodyReleaseComplete && u.body != bodyEmpty {
		m["h245Address"] = transportValue(u.h245Addr)
	}
	if len(u.fastStart) > 0 {
		m["fastStart"] = octetsValues(u.fastStart)
	}
	var body per.Choice
	if u.body == bodyEmpty {
		body = per.Choice{Name: bodyEmpty, Value: per.Null{}}
	} else {
		body = per.Choice{Name: u.body, Value: m}
	}
	pdu := per.Seq{"h323-message-body": body, "h245Tunneling": u.tunnelling}
	if len(u.h245) > 0 {
		pdu["h245Control"] = octetsValues(u.h245)
	}
	b, err := t.Encode(per.Seq{"h323-uu-pdu": pdu})
	if err != nil {
		return nil, fmt.Errorf("h323: encode %s: %w", u.body, err)
	}
	return b, nil
}
