package h225

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/h323/per"
)

// ErrVersion is wrapped by the error of a protocolIdentifier that is not
// H.225.0 version 1 to MaxVersion.
var ErrVersion = errors.New("unsupported h.225.0 version")

// Decode parses an aligned-PER H323-UserInformation (the payload of a
// Q.931 User-user element). It accepts the versions 1 to MaxVersion (a
// version 1 message has no CallID), skips what Message has no field for,
// and refuses malformed PER, an unknown body and a value of the wrong
// shape with an error naming the field.
func Decode(b []byte) (Message, error) {
	t, err := userInformation()
	if err != nil {
		return Message{}, err
	}
	v, err := t.Decode(b)
	if err != nil {
		return Message{}, fmt.Errorf("h225: %w", err)
	}
	d := decoder{path: "h323-uu-pdu"}
	pdu := d.seq(per.Get(v, "h323-uu-pdu"))
	body := d.choice("h323-message-body", pdu["h323-message-body"])
	m := Message{Body: Body(body.Name)}
	m.H245Tunneling = d.optBool("h245Tunneling", pdu["h245Tunneling"])
	m.H245Control = d.octetStrings("h245Control", pdu["h245Control"])
	if d.err != nil {
		return Message{}, d.err
	}
	if m.Body == Empty {
		return m, nil
	}
	spec, ok := specOf(m.Body)
	if !ok {
		return Message{}, fmt.Errorf("h225: h323-message-body: unknown alternative %q", body.Name)
	}
	d.path = spec.uuie
	d.decodeBody(&m, d.seq(body.Value))
	if d.err != nil {
		return Message{}, d.err
	}
	return m, nil
}

// decoder reads per values, keeping the first error, which names the
// field under path.
type decoder struct {
	path string
	err  error
}

func (d *decoder) fail(field, format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("h225: %s.%s: %s", d.path, field, fmt.Sprintf(format, args...))
	}
}

// decodeBody fills m from the UUIE s.
func (d *decoder) decodeBody(m *Message, s per.Seq) {
	if d.err != nil {
		return
	}
	m.Version = d.version(s["protocolIdentifier"])
	if id, ok := s["callIdentifier"]; ok {
		m.CallID = d.guid("callIdentifier.guid", per.Get(id, "guid"))
	}
	if v, ok := s["conferenceID"]; ok {
		m.ConferenceID = d.guid("conferenceID", v)
	}
	for _, name := range []string{"sourceInfo", "destinationInfo"} {
		if v, ok := s[name]; ok {
			m.Info = d.endpointType(name, v)
		}
	}
	m.H245Address = d.optTransport("h245Address", s["h245Address"])
	m.FastStart = d.octetStrings("fastStart", s["fastStart"])
	if r, ok := s["reason"]; ok {
		name := d.choice("reason", r).Name
		switch {
		case m.Body == ReleaseComplete && name == "": // an alternative of a later version
			m.Reason = ReasonUndefined
		case m.Body == ReleaseComplete:
			m.Reason = ReleaseReason(name)
		case m.Body == Facility && name == "":
			m.FacilityReason = FacilityUndefined
		case m.Body == Facility:
			m.FacilityReason = FacilityReason(name)
		}
	}
	if m.Body != Setup {
		return
	}
	if g, ok := s["conferenceGoal"]; ok {
		m.Goal = Goal(d.choice("conferenceGoal", g).Name)
	}
	m.ActiveMC = d.optBool("activeMC", s["activeMC"])
	m.MediaWaitForConnect = d.optBool("mediaWaitForConnect", s["mediaWaitForConnect"])
	m.CanOverlapSend = d.optBool("canOverlapSend", s["canOverlapSend"])
	m.SourceAddress = d.aliases("sourceAddress", s["sourceAddress"])
	m.DestinationAddress = d.aliases("destinationAddress", s["destinationAddress"])
	m.DestCallSignalAddress = d.optTransport("destCallSignalAddress", s["destCallSignalAddress"])
	m.SourceCallSignalAddress = d.optTransport("sourceCallSignalAddress", s["sourceCallSignalAddress"])
}

// version checks protocolIdentifier and returns its version.
func (d *decoder) version(v any) int {
	oid, ok := v.(per.OID)
	if !ok {
		d.fail("protocolIdentifier", "%T, want an OBJECT IDENTIFIER", v)
		return 0
	}
	if len(oid) != 6 || !slices.Equal(oid[:5], protocolIdentifier(0)[:5]) || oid[5] < 1 || oid[5] > MaxVersion {
		if d.err == nil {
			d.err = fmt.Errorf("h225: %s.protocolIdentifier %s: %w (want 0.0.8.2250.0.1 to .%d)", d.path, dotted(oid), ErrVersion, MaxVersion)
		}
		return 0
	}
	return int(oid[5])
}

// dotted writes an OID as 0.0.8.2250.0.7.
func dotted(oid per.OID) string {
	parts := make([]string, len(oid))
	for i, n := range oid {
		parts[i] = strconv.FormatUint(uint64(n), 10)
	}
	return strings.Join(parts, ".")
}

func (d *decoder) seq(v any) per.Seq {
	s, ok := v.(per.Seq)
	if !ok && d.err == nil {
		d.err = fmt.Errorf("h225: %s: %T, want a SEQUENCE", d.path, v)
	}
	return s
}

func (d *decoder) choice(field string, v any) per.Choice {
	c, ok := v.(per.Choice)
	if !ok {
		d.fail(field, "%T, want a CHOICE", v)
	}
	return c
}

// optBool returns v, false when absent (an old version's message).
func (d *decoder) optBool(field string, v any) bool {
	if v == nil {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		d.fail(field, "%T, want a BOOLEAN", v)
	}
	return b
}

func (d *decoder) guid(field string, v any) GUID {
	b, ok := v.([]byte)
	if !ok || len(b) != 16 {
		d.fail(field, "%T of %d octets, want 16 octets", v, len(b))
		return GUID{}
	}
	return GUID(b)
}

// list returns a SEQUENCE OF, nil when absent.
func (d *decoder) list(field string, v any) ([]any, bool) {
	if v == nil {
		return nil, false
	}
	l, ok := v.([]any)
	if !ok {
		d.fail(field, "%T, want a SEQUENCE OF", v)
	}
	return l, ok
}

// octetStrings returns a SEQUENCE OF OCTET STRING, nil when absent.
func (d *decoder) octetStrings(field string, v any) [][]byte {
	list, ok := d.list(field, v)
	if !ok {
		return nil
	}
	out := make([][]byte, len(list))
	for i, e := range list {
		b, ok := e.([]byte)
		if !ok {
			d.fail(fmt.Sprintf("%s[%d]", field, i), "%T, want an OCTET STRING", e)
			return nil
		}
		out[i] = b
	}
	return out
}

// optTransport returns an ipAddress or ip6Address, the zero value when v
// is absent or another kind of TransportAddress.
func (d *decoder) optTransport(field string, v any) netip.AddrPort {
	if v == nil {
		return netip.AddrPort{}
	}
	c := d.choice(field, v)
	if c.Name != "ipAddress" && c.Name != "ip6Address" {
		return netip.AddrPort{}
	}
	ip, _ := per.Get(c.Value, "ip").([]byte)
	port, _ := per.Get(c.Value, "port").(int64)
	addr, ok := netip.AddrFromSlice(ip)
	if !ok || port < 0 || port > 0xffff {
		d.fail(field, "%s with ip % x and port %d", c.Name, ip, port)
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(addr, uint16(port))
}

// aliases returns a SEQUENCE OF AliasAddress, skipping unknown kinds.
func (d *decoder) aliases(field string, v any) []Alias {
	list, _ := d.list(field, v)
	var out []Alias
	for i, e := range list {
		name := fmt.Sprintf("%s[%d]", field, i)
		c := d.choice(name, e)
		a := Alias{Kind: AliasKind(c.Name)}
		switch a.Kind {
		case DialedDigits, H323ID, URLID, EmailID:
			s, ok := c.Value.(string)
			if !ok {
				d.fail(name, "%s is %T, want a string", c.Name, c.Value)
			}
			a.Value = s
		case TransportID:
			a.Address = d.optTransport(name+".transportID", c.Value)
			if !a.Address.IsValid() {
				continue
			}
		case PartyNumber:
			digits, ok := per.Get(c.Value, "e164Number", "publicNumberDigits").(string)
			if !ok {
				digits, ok = per.Get(c.Value, "privateNumber", "privateNumberDigits").(string)
			}
			if !ok {
				continue
			}
			a.Value = digits
		default:
			continue
		}
		out = append(out, a)
	}
	return out
}

func (d *decoder) endpointType(field string, v any) EndpointType {
	s, ok := v.(per.Seq)
	if !ok {
		d.fail(field, "%T, want a SEQUENCE", v)
		return EndpointType{}
	}
	_, terminal := s["terminal"]
	_, gateway := s["gateway"]
	_, mcu := s["mcu"]
	e := EndpointType{Terminal: terminal, Gateway: gateway, MCU: mcu}
	if vend, ok := s["vendor"]; ok {
		country, _ := per.Get(vend, "vendor", "t35CountryCode").(int64)
		ext, _ := per.Get(vend, "vendor", "t35Extension").(int64)
		code, _ := per.Get(vend, "vendor", "manufacturerCode").(int64)
		product, _ := per.Get(vend, "productId").([]byte)
		version, _ := per.Get(vend, "versionId").([]byte)
		// Endpoints often end productId and versionId with a C string's NUL.
		e.Vendor = &Vendor{Country: uint8(country), Extension: uint8(ext), Manufacturer: uint16(code),
			Product: strings.TrimRight(string(product), "\x00"), Version: strings.TrimRight(string(version), "\x00")}
	}
	return e
}
