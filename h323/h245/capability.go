package h245

import (
	"fmt"

	"github.com/parleyhq/parley/h323/per"
)

// protocolID is the H.245 protocolIdentifier Parley sends (H.245 version
// 13); any is accepted from a peer.
var protocolID = per.OID{0, 0, 8, 245, 0, 13}

// Direction is whether a capability is for receiving, transmitting or both
// (the receive…, transmit… and receiveAndTransmit… alternatives of H.245
// Capability).
type Direction uint8

const (
	// Receive is a receive… capability: what the sender can receive.
	Receive Direction = iota + 1
	// Transmit is a transmit… capability: what the sender can send.
	Transmit
	// ReceiveAndTransmit is a receiveAndTransmit… capability.
	ReceiveAndTransmit
)

// directions maps a Direction to its Capability name prefix.
var directions = map[Direction]string{Receive: "receive", Transmit: "transmit", ReceiveAndTransmit: "receiveAndTransmit"}

// Capability is one entry of a capability table: its entry number, its
// Direction, and either Audio (an audio capability) or UserInput (a
// UserInputCapability alternative such as "basicString", "dtmf",
// "hookflash"). Other capabilities decode with Name set to their Capability
// alternative (e.g. "receiveVideoCapability") and are never encoded.
type Capability struct {
	Number    int
	Direction Direction
	Audio     *Audio
	UserInput string
	Name      string
}

// Descriptor is a capabilityDescriptor: Simultaneous lists sets of
// alternative capability table entry numbers, one of each usable at once.
type Descriptor struct {
	Number       int
	Simultaneous [][]int
}

// TerminalCapabilitySet (H.245 request) lists what the sender can
// do: its capability table and descriptors, with the H.225.0 multiplex
// capability. An empty Table (capabilityTable absent) is the "empty
// capability set" that pauses the sender's receiving.
type TerminalCapabilitySet struct {
	Sequence    int
	Table       []Capability
	Descriptors []Descriptor
}

func (m TerminalCapabilitySet) value() (per.Choice, error) {
	v := per.Seq{
		"sequenceNumber":      int64(m.Sequence),
		"protocolIdentifier":  protocolID,
		"multiplexCapability": per.Choice{Name: "h2250Capability", Value: h2250Capability()},
	}
	if len(m.Table) > 0 {
		table := make([]any, 0, len(m.Table))
		for _, c := range m.Table {
			cv, err := c.value()
			if err != nil {
				return per.Choice{}, err
			}
			table = append(table, per.Seq{"capabilityTableEntryNumber": int64(c.Number), "capability": cv})
		}
		v["capabilityTable"] = table
	}
	if len(m.Descriptors) > 0 {
		ds := make([]any, 0, len(m.Descriptors))
		for _, d := range m.Descriptors {
			sim := make([]any, 0, len(d.Simultaneous))
			for _, alt := range d.Simultaneous {
				a := make([]any, 0, len(alt))
				for _, n := range alt {
					a = append(a, int64(n))
				}
				sim = append(sim, a)
			}
			ds = append(ds, per.Seq{"capabilityDescriptorNumber": int64(d.Number), "simultaneousCapabilities": sim})
		}
		v["capabilityDescriptors"] = ds
	}
	return wrap("request", "terminalCapabilitySet", v), nil
}

// h2250Capability is Parley's H2250Capability: no multipoint, no MC, no
// video packetization, 250 ms of audio jitter tolerated.
func h2250Capability() per.Seq {
	mp := func() per.Seq {
		return per.Seq{
			"multicastCapability":    false,
			"multiUniCastConference": false,
			"mediaDistributionCapability": []any{per.Seq{
				"centralizedControl": false, "distributedControl": false,
				"centralizedAudio": false, "distributedAudio": false,
				"centralizedVideo": false, "distributedVideo": false,
			}},
		}
	}
	return per.Seq{
		"maximumAudioDelayJitter":                250,
		"receiveMultipointCapability":            mp(),
		"transmitMultipointCapability":           mp(),
		"receiveAndTransmitMultipointCapability": mp(),
		"mcCapability":                           per.Seq{"centralizedConferenceMC": false, "decentralizedConferenceMC": false},
		"rtcpVideoControlCapability":             false,
		"mediaPacketizationCapability":           per.Seq{"h261aVideoPacketization": false},
		"logicalChannelSwitchingCapability":      false,
		"t120DynamicPortCapability":              false,
	}
}

// value returns the Capability CHOICE of c.
func (c Capability) value() (per.Choice, error) {
	prefix := directions[c.Direction]
	if prefix == "" {
		return per.Choice{}, errorf("capability %d: no direction", c.Number)
	}
	switch {
	case c.Audio != nil:
		a, err := audioValue(*c.Audio)
		if err != nil {
			return per.Choice{}, fmt.Errorf("capability %d: %w", c.Number, err)
		}
		return per.Choice{Name: prefix + "AudioCapability", Value: a}, nil
	case c.UserInput != "":
		switch c.UserInput {
		case "basicString", "iA5String", "generalString", "dtmf", "hookflash":
		default:
			return per.Choice{}, errorf("capability %d: user input %q cannot be encoded", c.Number, c.UserInput)
		}
		return per.Choice{Name: prefix + "UserInputCapability", Value: per.Choice{Name: c.UserInput, Value: per.Null{}}}, nil
	}
	return per.Choice{}, errorf("capability %d: %q cannot be encoded", c.Number, c.Name)
}

func parseTCS(v any) (Message, error) {
	n, err := intAt(v, 0, 255, "sequenceNumber")
	if err != nil {
		return nil, err
	}
	m := TerminalCapabilitySet{Sequence: n}
	table, _ := per.Get(v, "capabilityTable").([]any)
	for i, e := range table {
		c, err := capabilityOf(e)
		if err != nil {
			return nil, fmt.Errorf("capabilityTable[%d]: %w", i, err)
		}
		m.Table = append(m.Table, c)
	}
	ds, _ := per.Get(v, "capabilityDescriptors").([]any)
	for i, e := range ds {
		d, err := descriptorOf(e)
		if err != nil {
			return nil, fmt.Errorf("capabilityDescriptors[%d]: %w", i, err)
		}
		m.Descriptors = append(m.Descriptors, d)
	}
	return m, nil
}

// capabilityOf reads one CapabilityTableEntry; an entry without a
// capability (a deleted entry) has an empty Name.
func capabilityOf(e any) (Capability, error) {
	n, err := intAt(e, 1, 65535, "capabilityTableEntryNumber")
	if err != nil {
		return Capability{}, err
	}
	c := Capability{Number: n}
	cv, ok := per.Get(e, "capability").(per.Choice)
	if !ok {
		return c, nil
	}
	c.Name = cv.Name
	for d, prefix := range directions {
		switch cv.Name {
		case prefix + "AudioCapability":
			a, err := audioOf(cv.Value)
			if err != nil {
				return Capability{}, err
			}
			c.Direction, c.Audio = d, &a
		case prefix + "UserInputCapability":
			u, _ := cv.Value.(per.Choice)
			c.Direction, c.UserInput = d, u.Name
		}
	}
	return c, nil
}

// descriptorOf reads one CapabilityDescriptor.
func descriptorOf(e any) (Descriptor, error) {
	n, err := intAt(e, 0, 255, "capabilityDescriptorNumber")
	if err != nil {
		return Descriptor{}, err
	}
	d := Descriptor{Number: n}
	sim, _ := per.Get(e, "simultaneousCapabilities").([]any)
	for _, alt := range sim {
		list, ok := alt.([]any)
		if !ok {
			return Descriptor{}, malformed("alternative capability set: not a list")
		}
		nums := make([]int, 0, len(list))
		for _, x := range list {
			k, err := intAt(x, 1, 65535)
			if err != nil {
				return Descriptor{}, err
			}
			nums = append(nums, k)
		}
		d.Simultaneous = append(d.Simultaneous, nums)
	}
	return d, nil
}

// receivable returns the codecs the peer can receive according to its
// capability set, in the order of its capability table (its preference),
// each with its frames per packet: receive and receiveAndTransmit audio
// entries that, when the set has descriptors, some descriptor lists.
func (m TerminalCapabilitySet) receivable() []Audio {
	listed := map[int]bool{}
	for _, d := range m.Descriptors {
		for _, alt := range d.Simultaneous {
			for _, n := range alt {
				listed[n] = true
			}
		}
	}
	var out []Audio
	for _, c := range m.Table {
		if c.Audio == nil || c.Audio.Codec == 0 || c.Direction == Transmit {
			continue
		}
		if len(m.Descriptors) > 0 && !listed[c.Number] {
			continue
		}
		out = append(out, *c.Audio)
	}
	return out
}
