package jitter

// Kind tells what Pop found for the current 20 ms playout slot.
type Kind uint8

// The kinds of Frame that Pop returns.
const (
	// None means there is nothing to play: no stream has started yet, the
	// buffer is still filling up to its playout delay, or the stream has been
	// silent for so long that concealing it would only produce noise. The
	// caller plays silence and does not conceal.
	None Kind = iota
	// Packet means the packet for this slot is here; Frame.Payload holds it.
	Packet
	// Lost means the packet for this slot is missing; the caller conceals
	// it. Frame.Next holds the payload of the following packet when it is
	// already buffered, so a codec with in-band FEC (Opus) can rebuild the
	// lost frame from it.
	Lost
)

// String returns the kind's name, for tests and diagnostics.
func (k Kind) String() string {
	switch k {
	case None:
		return "none"
	case Packet:
		return "packet"
	case Lost:
		return "lost"
	default:
		return "unknown"
	}
}

// Frame is what Pop returns for one 20 ms playout slot.
type Frame struct {
	// Kind says whether the slot holds a packet, a loss or nothing.
	Kind Kind
	// Seq is the RTP sequence number of the slot (Packet and Lost).
	Seq uint16
	// Timestamp is the RTP timestamp of the packet, or the one predicted for
	// the missing packet (Packet and Lost).
	Timestamp uint32
	// Payload is the packet's payload when Kind is Packet, else nil. It
	// aliases the buffer passed to Pop.
	Payload []byte
	// Next is, when Kind is Lost and the following packet is already
	// buffered, that packet's payload, else nil. It aliases the buffer
	// passed to Pop. The following packet stays buffered and is returned by
	// the next Pop.
	Next []byte
}
