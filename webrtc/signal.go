package webrtc

import (
	"context"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	pion "github.com/pion/webrtc/v4"
)

// Signaller carries a guest's signalling messages, one JSON value each:
// a WebSocket in production (see WebSocket), a channel pair in tests.
// Handle calls ReadJSON on one goroutine and WriteJSON on another, never
// either of them concurrently with itself.
type Signaller interface {
	// ReadJSON reads the next message into v. It returns an error when the
	// connection ends or ctx is done.
	ReadJSON(ctx context.Context, v any) error
	// WriteJSON sends v as one message. It returns an error when the
	// connection is gone or ctx is done.
	WriteJSON(ctx context.Context, v any) error
}

// The message types of the signalling protocol, Message.Type.
const (
	// TypeConfig (server to browser, first) carries the ICE servers the
	// browser's RTCPeerConnection should use.
	TypeConfig = "config"
	// TypeOffer carries an SDP offer (RFC 8829). The browser sends the
	// first, once; after that the server sends one whenever the video
	// tracks it forwards to the browser change, and the browser answers
	// it. The browser should not offer again.
	TypeOffer = "offer"
	// TypeAnswer carries the SDP answer to an offer: from the server to
	// the browser's first offer, from the browser to the server's offers.
	TypeAnswer = "answer"
	// TypeCandidate (both ways) trickles one ICE candidate (RFC 8838).
	TypeCandidate = "candidate"
	// TypeJoined (server to browser) says the guest is in the room, as
	// participant Participant.
	TypeJoined = "joined"
	// TypeRoster (server to browser) lists the room's participants as a
	// guest may see them (Message.Roster, one RosterEntry each, the guest's
	// own marked Self), in the order they joined. The first comes just
	// after "joined"; another replaces it whenever someone joins or leaves,
	// starts or stops talking, is muted or unmuted, or changes role, at
	// most one per 100 ms (see roster.go). Each is the whole list, so a
	// page that missed one is right again with the next.
	TypeRoster = "roster"
	// TypeBanner (server to browser) is a notice to show, such as the
	// spectator notice of a full room.
	TypeBanner = "banner"
	// TypeError (server to browser) says why the guest could not join or
	// stay; the call ends after it.
	TypeError = "error"
	// TypeEnded (server to browser) says the call was ended from Parley's
	// side (a moderator removed the guest, the room ended), and why.
	TypeEnded = "ended"
	// TypeLeave (browser to server) ends the call.
	TypeLeave = "leave"
	// TypeMute (browser → server): the guest mutes or unmutes itself
	// (Muted), as a phone does with its mute key; the room's roster
	// then shows it to everyone.
	TypeMute = "mute"
	// TypeCodec (server → browser): send your camera in Codec from now on
	// (the codec most of the room decodes); the page offers again with that
	// codec first, if it can send it.
	TypeCodec = "codec"
)

// Message is one signalling message, in either direction. Only the fields
// of its Type are set.
type Message struct {
	// Type is one of the Type constants.
	Type string `json:"type"`
	// SDP is the session description of an offer or answer.
	SDP string `json:"sdp,omitempty"`
	// Candidate is a trickled ICE candidate, in the browser's
	// RTCIceCandidateInit form.
	Candidate *pion.ICECandidateInit `json:"candidate,omitempty"`
	// Participant is the participant ID of a joined message.
	Participant string `json:"participant,omitempty"`
	// Roster is the participant list of a roster message.
	Roster []RosterEntry `json:"roster,omitempty"`
	// Codec is the MIME type of a "codec" message, "video/H264" or
	// "video/VP8".
	Codec string `json:"codec,omitempty"`
	// Muted is the state a "mute" message asks for.
	Muted *bool `json:"muted,omitempty"`
	// Text is a banner's text.
	Text string `json:"text,omitempty"`
	// Error is an error message's text, for the guest to read.
	Error string `json:"error,omitempty"`
	// Reason says why an ended call ended.
	Reason string `json:"reason,omitempty"`
	// ICEServers are a config message's STUN and TURN servers, in the
	// browser's RTCIceServer form.
	ICEServers []ICEServer `json:"iceServers,omitempty"`
}

// RosterEntry is one participant in a roster message: the name, role,
// edge, mute and talk state that the moderator console shows too, and
// nothing more (no number, address, email or link).
type RosterEntry struct {
	// ID is the participant ID; a forwarded video's stream ID is its
	// publisher's.
	ID string `json:"id"`
	// Name is the display name; empty for a phone whose only name is its
	// number or address, which guests do not see.
	Name string `json:"name"`
	// Role is the participant's role: owner, moderator, presenter,
	// attendee or spectator (see bridge.Role).
	Role string `json:"role"`
	// Via names the edge that carries the participant: "sip", "webrtc".
	Via string `json:"via"`
	// Muted says the room mutes the participant (a moderator did, or the
	// caller with its phone's keys).
	Muted bool `json:"muted"`
	// Talking says the room's mixer hears the participant talk now.
	Talking bool `json:"talking"`
	// Self marks the guest's own entry.
	Self bool `json:"self,omitempty"`
}

// maxMessage is the largest signalling message WebSocket accepts: an SDP
// offer with audio and several video codecs is well under 16 KiB.
const maxMessage = 256 << 10

// WebSocket adapts a coder/websocket connection to a Signaller: one text
// message of JSON per signalling message. It raises the connection's read
// limit to 256 KiB for large SDP offers. Note that coder/websocket closes
// the connection when the context of a pending read is cancelled; Handle
// reads with a context that ends only after its last write.
func WebSocket(c *websocket.Conn) Signaller {
	c.SetReadLimit(maxMessage)
	return wsSignaller{c}
}

// wsSignaller is the Signaller that WebSocket returns.
type wsSignaller struct{ c *websocket.Conn }

// ReadJSON implements Signaller.
func (w wsSignaller) ReadJSON(ctx context.Context, v any) error { return wsjson.Read(ctx, w.c, v) }

// WriteJSON implements Signaller.
func (w wsSignaller) WriteJSON(ctx context.Context, v any) error { return wsjson.Write(ctx, w.c, v) }
