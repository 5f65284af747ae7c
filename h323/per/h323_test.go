package per

import (
	"bytes"
	"encoding/hex"
	"os"
	"reflect"
	"strings"
	"testing"
)

// The realistic messages below are what Parley's H.323 edge sends and
// receives; their encodings were cross-checked with Erlang's erlc -bper
// (decode and re-encode gives the same octets), see TestH323Vectors.

var guid = []byte("0123456789abcdef")

func ipAddr(a, b, c, d byte, port int64) Choice {
	return Choice{"ipAddress", Seq{"ip": []byte{a, b, c, d}, "port": port}}
}

func endpoint() Seq {
	return Seq{
		"vendor": Seq{
			"vendor":    Seq{"t35CountryCode": int64(9), "t35Extension": int64(0), "manufacturerCode": int64(61)},
			"productId": []byte("Parley"),
			"versionId": []byte("1.0"),
		},
		"terminal":      Seq{},
		"mc":            false,
		"undefinedNode": false,
	}
}

func uuPDU(body Choice, extra Seq) Seq {
	pdu := Seq{"h323-message-body": body, "h245Tunneling": true}
	for k, v := range extra {
		pdu[k] = v
	}
	return Seq{"h323-uu-pdu": pdu}
}

func setupValue(fastStart []any) Seq {
	setup := Seq{
		"protocolIdentifier": OID{0, 0, 8, 2250, 0, 7},
		"sourceAddress": []any{
			Choice{"h323-ID", "Parley bridge"},
			Choice{"dialedDigits", "4420123#*"},
		},
		"sourceInfo":              endpoint(),
		"destinationAddress":      []any{Choice{"url-ID", "h323:room@192.0.2.7"}},
		"destCallSignalAddress":   ipAddr(192, 0, 2, 7, 1720),
		"activeMC":                false,
		"conferenceID":            guid,
		"conferenceGoal":          Choice{"create", Null{}},
		"callType":                Choice{"pointToPoint", Null{}},
		"sourceCallSignalAddress": ipAddr(192, 0, 2, 1, 1720),
		"callIdentifier":          Seq{"guid": guid},
		"mediaWaitForConnect":     false,
		"canOverlapSend":          false,
		"multipleCalls":           false,
		"maintainConnection":      false,
	}
	if fastStart != nil {
		setup["fastStart"] = fastStart
	}
	return uuPDU(Choice{"setup", setup}, nil)
}

func connectValue() Seq {
	return uuPDU(Choice{"connect", Seq{
		"protocolIdentifier": OID{0, 0, 8, 2250, 0, 7},
		"h245Address":        ipAddr(192, 0, 2, 7, 30000),
		"destinationInfo":    endpoint(),
		"conferenceID":       guid,
		"callIdentifier":     Seq{"guid": guid},
		"multipleCalls":      false,
		"maintainConnection": false,
	}}, nil)
}

func facilityValue(h245 [][]byte) Seq {
	ctl := make([]any, len(h245))
	for i, b := range h245 {
		ctl[i] = b
	}
	return uuPDU(Choice{"empty", Null{}}, Seq{"h245Control": ctl})
}

func g711OLC(channel int64, rtcpPort int64) Seq {
	return Seq{
		"forwardLogicalChannelNumber": channel,
		"forwardLogicalChannelParameters": Seq{
			"dataType": Choice{"audioData", Choice{"g711Alaw64k", int64(20)}},
			"multiplexParameters": Choice{"h2250LogicalChannelParameters", Seq{
				"sessionID": int64(1),
				"mediaControlChannel": Choice{"unicastAddress", Choice{"iPAddress", Seq{
					"network": []byte{192, 0, 2, 1}, "tsapIdentifier": rtcpPort,
				}}},
				"silenceSuppression": false,
			}},
		},
	}
}

func tcsValue() Choice {
	return Choice{"request", Choice{"terminalCapabilitySet", Seq{
		"sequenceNumber":     int64(1),
		"protocolIdentifier": OID{0, 0, 8, 245, 0, 13},
		"capabilityTable": []any{
			Seq{"capabilityTableEntryNumber": int64(1), "capability": Choice{"receiveAudioCapability", Choice{"g711Alaw64k", int64(20)}}},
			Seq{"capabilityTableEntryNumber": int64(2), "capability": Choice{"receiveAudioCapability", Choice{"g711Ulaw64k", int64(20)}}},
			Seq{"capabilityTableEntryNumber": int64(3), "capability": Choice{"receiveUserInputCapability", Choice{"basicString", Null{}}}},
			Seq{"capabilityTableEntryNumber": int64(4), "capability": Choice{"receiveUserInputCapability", Choice{"dtmf", Null{}}}},
		},
		"capabilityDescriptors": []any{Seq{
			"capabilityDescriptorNumber": int64(0),
			"simultaneousCapabilities":   []any{[]any{int64(1), int64(2)}, []any{int64(3), int64(4)}},
		}},
	}}}
}

func msdValue() Choice {
	return Choice{"request", Choice{"masterSlaveDetermination", Seq{
		"terminalType": int64(50), "statusDeterminationNumber": int64(8388607),
	}}}
}

func uiiValues() []Choice {
	return []Choice{
		{"indication", Choice{"userInput", Choice{"alphanumeric", "5"}}},
		{"indication", Choice{"userInput", Choice{"signal", Seq{"signalType": "#", "duration": int64(100)}}}},
	}
}

// h323Messages is every realistic message, by name, with its type.
func h323Messages(t testing.TB) []struct {
	name string
	typ  *Type
	v    any
} {
	s := H323()
	uu := mustType(t, s, "H323-MESSAGES", "H323-UserInformation")
	msc := mustType(t, s, "MULTIMEDIA-SYSTEM-CONTROL", "MultimediaSystemControlMessage")
	olcT := mustType(t, s, "MULTIMEDIA-SYSTEM-CONTROL", "OpenLogicalChannel")
	olc, err := olcT.Encode(g711OLC(1, 5003))
	if err != nil {
		t.Fatal(err)
	}
	msd, err := msc.Encode(msdValue())
	if err != nil {
		t.Fatal(err)
	}
	out := []struct {
		name string
		typ  *Type
		v    any
	}{
		{"setup", uu, setupValue(nil)},
		{"setup-faststart", uu, setupValue([]any{olc})},
		{"connect", uu, connectValue()},
		{"facility-tunnel", uu, facilityValue([][]byte{msd})},
		{"olc", olcT, g711OLC(1, 5003)},
		{"olc-request", msc, Choice{"request", Choice{"openLogicalChannel", g711OLC(2, 5005)}}},
		{"tcs", msc, tcsValue()},
		{"msd", msc, msdValue()},
	}
	for i, v := range uiiValues() {
		out = append(out, struct {
			name string
			typ  *Type
			v    any
		}{"uii" + string(rune('0'+i)), msc, v})
	}
	return out
}

func TestH323RoundTrips(t *testing.T) {
	var dump strings.Builder
	for _, m := range h323Messages(t) {
		b, err := m.typ.Encode(m.v)
		if err != nil {
			t.Errorf("%s: %v", m.name, err)
			continue
		}
		dump.WriteString(m.name + " " + m.typ.Name() + " " + hex.EncodeToString(b) + "\n")
		back, err := m.typ.Decode(b)
		if err != nil {
			t.Errorf("%s: decode %x: %v", m.name, b, err)
			continue
		}
		if !reflect.DeepEqual(back, m.v) {
			t.Errorf("%s: decoded\n%#v\nwant\n%#v", m.name, back, m.v)
		}
		again, err := m.typ.Encode(back)
		if err != nil || !bytes.Equal(again, b) {
			t.Errorf("%s: re-encoded %x (%v), want %x", m.name, again, err, b)
		}
	}
	if f := os.Getenv("PER_DUMP"); f != "" {
		if err := os.WriteFile(f, []byte(dump.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestConcurrentUse encodes and decodes from several goroutines at once:
// under -race it shows that the shared schema is only read.
func TestConcurrentUse(t *testing.T) {
	msgs := h323Messages(t)
	done := make(chan error)
	for range 4 {
		go func() {
			for _, m := range msgs {
				b, err := m.typ.Encode(m.v)
				if err == nil {
					_, err = m.typ.Decode(b)
				}
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
