package sip

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"

	"github.com/parleyhq/parley/media"
)

// Errors of SDP negotiation. They map to SIP statuses in one place, statusOf.
var (
	// ErrBadSDP means the offer could not be parsed or lacks what RFC 8866
	// requires (a connection address, an audio stream). It maps to 400.
	ErrBadSDP = errors.New("malformed sdp offer")
	// ErrNoCommonCodec means no audio format of the offer is one Parley
	// supports. It maps to 488 Not Acceptable Here (RFC 3261 §21.4.26).
	ErrNoCommonCodec = errors.New("no common codec")
	// ErrRefusedAddress means the offer's audio connection address is one
	// Parley never sends media to: multicast, broadcast or "this network".
	// It maps to 488 Not Acceptable Here.
	ErrRefusedAddress = errors.New("connection address refused")
)

// Direction is an SDP media direction attribute (RFC 3264 §5.1).
type Direction string

// The four media directions of RFC 3264 §5.1.
const (
	SendRecv Direction = "sendrecv"
	SendOnly Direction = "sendonly"
	RecvOnly Direction = "recvonly"
	Inactive Direction = "inactive"
)

// answerTo returns the direction an answerer uses for an offer of d
// (RFC 3264 §6.1): sendonly is answered recvonly and the other way round.
func (d Direction) answerTo() Direction {
	switch d {
	case SendOnly:
		return RecvOnly
	case RecvOnly:
		return SendOnly
	case Inactive:
		return Inactive
	}
	return SendRecv
}

// Negotiation is the outcome of answering an SDP offer: the audio format
// both sides will use, where to send it and how.
type Negotiation struct {
	// Remote is where the offerer wants its RTP, from c= and m= of the offer.
	Remote netip.AddrPort
	// Format is the chosen audio encoding, the first of the offer's list that
	// is among the configured Codecs (the offerer's preference wins, RFC
	// 3264 §6.1).
	Format media.Format
	// PayloadType is the offerer's RTP payload type for Format.
	PayloadType uint8
	// EventPayloadType is the payload type of telephone-event (RFC 4733) at
	// Format's clock rate, its sample rate (16000 for G.722) or 8000 Hz,
	// or 0 when the offer has none.
	EventPayloadType uint8
	// Direction is the direction of our answer.
	Direction Direction
	// WrittenAs is how the offer's a=rtpmap wrote Format when that is not
	// Format's own spelling ("G722/16000", see writtenAs), else empty; the
	// answer writes Format so, for the offerer to recognise its own format.
	WrittenAs string
	// RTCP is where the offerer wants its audio RTCP: the a=rtcp port
	// (RFC 3605), else the RTP port + 1, or the RTP address with rtcp-mux.
	RTCP netip.AddrPort
	// RTCPMux says the offer multiplexes audio RTCP on the RTP port
	// (RFC 5761), and so does the answer.
	RTCPMux bool

	// SRTP is the audio's SRTP keys (RFC 4568 SDES) when it is RTP/SAVP,
	// nil for plain RTP (sdes.go).
	SRTP *SDES

	// Video is the offer's H.264 video stream, which a room system sends
	// and wants the room's video on; nil when the offer has none that
	// Parley can forward.
	Video *VideoNegotiation

	offer *sdp.SessionDescription
	audio int // index of the accepted audio m-line in the offer
	video int // index of the accepted video m-line in the offer, when Video is set
}

// VideoNegotiation is the outcome for the offer's video stream: H.264
// (RFC 6184), forwarded as it is, never transcoded.
type VideoNegotiation struct {
	// Remote is where the offerer wants its video RTP.
	Remote netip.AddrPort
	// RTCP is where it wants its video RTCP: the a=rtcp port (RFC 3605),
	// else the RTP port + 1, or the RTP port itself with rtcp-mux.
	RTCP netip.AddrPort
	// Mux says the offer multiplexes RTCP on the RTP port (RFC 5761), and
	// so does the answer.
	Mux bool
	// PayloadType is the offerer's payload type for H.264.
	PayloadType uint8
	// Fmtp is the offer's format parameters for it, echoed in the answer
	// (profile-level-id, packetization-mode).
	Fmtp string
	// Direction is the direction of our answer for video.
	Direction Direction
}

// staticFormats are the RTP/AVP static payload types of RFC 3551 §6 that a
// well-behaved offer may leave without an a=rtpmap line.
var staticFormats = map[uint8]media.Format{0: media.PCMU, 8: media.PCMA, 9: media.G722, 18: media.G729}

// Negotiate answers an SDP offer per RFC 3264 §6: it picks the first audio
// stream with a port, and in it the first format (in the offerer's order)
// that is in c, plus telephone-event when offered. An offer with no format
// in c gives ErrNoCommonCodec naming both lists. Plain RTP only:
// NegotiateSRTP also takes RTP/SAVP.
func (c Codecs) Negotiate(offer []byte) (*Negotiation, error) {
	return c.negotiate(offer, plainOnly)
}

func (c Codecs) negotiate(offer []byte, pol srtpPolicy) (*Negotiation, error) {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(string(offer)); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	audio, err := pol.candidates(&sd)
	if err != nil {
		return nil, err
	}
	for _, i := range audio {
		md := sd.MediaDescriptions[i]
		n, err := negotiateAudio(&sd, md, c)
		if err != nil {
			return nil, err
		}
		if isSAVP(md) {
			if n.SRTP, err = chooseCrypto(md); err != nil {
				if i != audio[len(audio)-1] {
					continue // the offer's next stream, a plain one
				}
				return nil, err
			}
		}
		n.offer, n.audio = &sd, i
		if n.SRTP == nil { // video is forwarded as plain RTP only: never beside SRTP audio
			n.Video, n.video = negotiateVideo(&sd)
		}
		return n, nil
	}
	return nil, fmt.Errorf("%w: no audio stream over RTP/AVP", ErrNoCommonCodec)
}

func hasProto(md *sdp.MediaDescription, want ...string) bool {
	return strings.Join(md.MediaName.Protos, "/") == strings.Join(want, "/")
}

func negotiateAudio(sd *sdp.SessionDescription, md *sdp.MediaDescription, codecs Codecs) (*Negotiation, error) {
	addr, err := connectionAddr(sd, md)
	if err != nil {
		return nil, err
	}
	if err := checkMediaAddr(addr); err != nil {
		return nil, err
	}
	port := md.MediaName.Port.Value
	if port < 0 || port > 65535 {
		return nil, fmt.Errorf("%w: audio port %d out of range", ErrBadSDP, port)
	}
	formats := rtpmaps(md)
	n := &Negotiation{Remote: netip.AddrPortFrom(addr, uint16(port)), Direction: directionOf(sd, md).answerTo()}
	if addr.IsUnspecified() {
		// c=0.0.0.0: the offerer cannot take media there: the hold of
		// RFC 2543, or an initial offer whose address is not known yet, both
		// still allowed by RFC 3264 §8.4. Nothing is sent to it, and nothing
		// is expected from the peer, until a new offer.
		n.Direction = Inactive
	}
	var offered []string
	for _, f := range md.MediaName.Formats {
		pt, err := strconv.ParseUint(f, 10, 7)
		if err != nil {
			return nil, fmt.Errorf("%w: payload type %q", ErrBadSDP, f)
		}
		format, ok := formats[uint8(pt)]
		if !ok {
			format, ok = staticFormats[uint8(pt)]
		}
		if !ok {
			offered = append(offered, f)
			continue
		}
		offered = append(offered, format.String())
		if strings.EqualFold(format.Name, "telephone-event") {
			continue
		}
		if n.Format.Name == "" {
			if f, ok := codecs.find(canonical(format)); ok {
				n.Format, n.PayloadType = f, uint8(pt)
				n.WrittenAs = writtenAs(format, f)
			}
		}
	}
	if n.Format.Name == "" {
		return nil, fmt.Errorf("%w: offered %s; Parley supports %s", ErrNoCommonCodec,
			strings.Join(offered, " "), formatList(codecs))
	}
	n.EventPayloadType = eventPayloadType(md.MediaName.Formats, formats, n.Format)
	n.RTCP, n.RTCPMux = rtcpOf(md, n.Remote)
	return n, nil
}

// negotiateVideo picks the offer's first video stream over RTP/AVP or
// RTP/AVPF that carries H.264, and in it the first H.264 payload type in
// packetization-mode 1 (which carries what browsers send), else the first
// H.264 at all. It returns nil when there is none; the stream is then
// rejected, as any other, and the call is audio only.
func negotiateVideo(sd *sdp.SessionDescription) (*VideoNegotiation, int) {
	for i, md := range sd.MediaDescriptions {
		if md.MediaName.Media != "video" || md.MediaName.Port.Value <= 0 || md.MediaName.Port.Value > 65535 {
			continue
		}
		if !hasProto(md, "RTP", "AVP") && !hasProto(md, "RTP", "AVPF") {
			continue
		}
		addr, err := connectionAddr(sd, md)
		if err != nil || checkMediaAddr(addr) != nil || addr.IsUnspecified() {
			continue
		}
		formats, fmtps := rtpmaps(md), fmtpLines(md)
		pt, found := uint8(0), false
		for _, f := range md.MediaName.Formats {
			n, err := strconv.ParseUint(f, 10, 7)
			if err != nil || !strings.EqualFold(formats[uint8(n)].Name, "H264") || formats[uint8(n)].ClockRate != 90000 {
				continue
			}
			if !found || (!packetizationMode1(fmtps[pt]) && packetizationMode1(fmtps[uint8(n)])) {
				pt, found = uint8(n), true
			}
		}
		if !found {
			continue
		}
		port := uint16(md.MediaName.Port.Value)
		v := &VideoNegotiation{Remote: netip.AddrPortFrom(addr, port), PayloadType: pt, Fmtp: fmtps[pt],
			Direction: directionOf(sd, md).answerTo()}
		v.RTCP, v.Mux = rtcpOf(md, v.Remote)
		return v, i
	}
	return nil, -1
}

// rtcpOf returns where a media stream whose RTP goes to rtp wants its
// RTCP, and whether it multiplexes RTCP on the RTP port: rtcp-mux
// (RFC 5761), else the a=rtcp port (RFC 3605), else the RTP port + 1.
func rtcpOf(md *sdp.MediaDescription, rtp netip.AddrPort) (netip.AddrPort, bool) {
	if _, ok := md.Attribute("rtcp-mux"); ok {
		return rtp, true
	}
	if a, ok := md.Attribute("rtcp"); ok {
		if p, err := strconv.ParseUint(strings.Fields(a + " x")[0], 10, 16); err == nil && p > 0 {
			return netip.AddrPortFrom(rtp.Addr(), uint16(p)), false
		}
	}
	return netip.AddrPortFrom(rtp.Addr(), rtp.Port()+1), false
}

// fmtpLines reads the a=fmtp lines of one media description, by payload
// type.
func fmtpLines(md *sdp.MediaDescription) map[uint8]string {
	out := make(map[uint8]string)
	for _, a := range md.Attributes {
		if a.Key != "fmtp" {
			continue
		}
		ptText, params, ok := strings.Cut(a.Value, " ")
		if pt, err := strconv.ParseUint(ptText, 10, 7); ok && err == nil {
			out[uint8(pt)] = strings.TrimSpace(params)
		}
	}
	return out
}

// packetizationMode1 reports whether H.264 format parameters say
// packetization-mode=1 (RFC 6184 §8.1; absent means 0).
func packetizationMode1(fmtp string) bool {
	for _, p := range strings.Split(fmtp, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, "packetization-mode") {
			return strings.TrimSpace(v) == "1"
		}
	}
	return false
}

func formatList(fs []media.Format) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.String()
	}
	return strings.Join(names, " ")
}

// eventPayloadType prefers telephone-event at the audio clock rate, then at
// its sample rate (a G.722 phone may offer telephone-event/16000), and
// falls back to 8000 Hz, which most phones offer whatever the codec.
func eventPayloadType(order []string, formats map[uint8]media.Format, audio media.Format) uint8 {
	var atSampleRate, fallback uint8
	for _, f := range order {
		pt, _ := strconv.ParseUint(f, 10, 7)
		format := formats[uint8(pt)]
		if !strings.EqualFold(format.Name, "telephone-event") {
			continue
		}
		switch {
		case format.ClockRate == audio.ClockRate:
			return uint8(pt)
		case format.ClockRate == audio.SampleRate() && atSampleRate == 0:
			atSampleRate = uint8(pt)
		case format.ClockRate == 8000 && fallback == 0:
			fallback = uint8(pt)
		}
	}
	if atSampleRate != 0 {
		return atSampleRate
	}
	return fallback
}

// rtpmaps reads the a=rtpmap lines of one media description (RFC 8866 §6.6).
// Malformed lines are skipped: their payload types then count as unknown.
func rtpmaps(md *sdp.MediaDescription) map[uint8]media.Format {
	out := make(map[uint8]media.Format)
	for _, a := range md.Attributes {
		if a.Key != "rtpmap" {
			continue
		}
		ptText, enc, ok := strings.Cut(a.Value, " ")
		if !ok {
			continue
		}
		pt, err := strconv.ParseUint(ptText, 10, 7)
		if err != nil {
			continue
		}
		parts := strings.Split(strings.TrimSpace(enc), "/")
		if len(parts) < 2 {
			continue
		}
		rate, err := strconv.Atoi(parts[1])
		if err != nil || rate <= 0 {
			continue
		}
		f := media.Format{Name: parts[0], ClockRate: rate, Channels: 1}
		if len(parts) > 2 {
			if ch, err := strconv.Atoi(parts[2]); err == nil {
				f.Channels = ch
			}
		}
		out[uint8(pt)] = f
	}
	return out
}

func connectionAddr(sd *sdp.SessionDescription, md *sdp.MediaDescription) (netip.Addr, error) {
	ci := md.ConnectionInformation
	if ci == nil {
		ci = sd.ConnectionInformation
	}
	if ci == nil || ci.Address == nil {
		return netip.Addr{}, fmt.Errorf("%w: no c= line for audio", ErrBadSDP)
	}
	// A multicast address may carry /TTL and /count (RFC 8866 §5.7): the
	// address alone is what checkMediaAddr judges.
	host, _, _ := strings.Cut(ci.Address.Address, "/")
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%w: connection address %q is not an IP address", ErrBadSDP, ci.Address.Address)
	}
	return addr.Unmap(), nil
}

// checkMediaAddr refuses a connection address that Parley must never send
// RTP to: a multicast group (Parley is a unicast endpoint, RFC 3264 §6.2),
// the IPv4 limited broadcast, and the rest of 0.0.0.0/8 ("this network",
// RFC 1122 §3.2.1.3). The unspecified address itself is the hold of
// RFC 3264 §8.4, handled by the caller.
func checkMediaAddr(addr netip.Addr) error {
	switch {
	case addr.IsMulticast():
		return fmt.Errorf("%w: %s is a multicast address", ErrRefusedAddress, addr)
	case addr == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return fmt.Errorf("%w: %s is the broadcast address", ErrRefusedAddress, addr)
	case addr.Is4() && addr.As4()[0] == 0 && !addr.IsUnspecified():
		return fmt.Errorf("%w: %s is in 0.0.0.0/8", ErrRefusedAddress, addr)
	}
	return nil
}

// directionOf reads the media-level direction, else the session-level one,
// else sendrecv (RFC 3264 §5.1).
func directionOf(sd *sdp.SessionDescription, md *sdp.MediaDescription) Direction {
	for _, attrs := range [][]sdp.Attribute{md.Attributes, sd.Attributes} {
		for _, a := range attrs {
			switch d := Direction(a.Key); d {
			case SendRecv, SendOnly, RecvOnly, Inactive:
				return d
			}
		}
	}
	return SendRecv
}

// Answer writes the SDP answer for n (RFC 3264 §6): our address and RTP
// port, the chosen format and telephone-event; the H.264 video stream on
// videoPort when n has one and videoPort is not 0; and every other media
// stream of the offer rejected with port 0, in the offer's order.
//
// sessionID and version go into o= (RFC 8866 §5.2): the ID stays for the
// call's life, the version grows with every change (RFC 3264 §8).
func (n *Negotiation) Answer(local netip.Addr, rtpPort, videoPort int, sessionID, version uint64) ([]byte, error) {
	ipVer := "IP4"
	if local.Is6() {
		ipVer = "IP6"
	}
	ans := &sdp.SessionDescription{
		Origin: sdp.Origin{
			Username: "parley", SessionID: sessionID, SessionVersion: version,
			NetworkType: "IN", AddressType: ipVer, UnicastAddress: local.String(),
		},
		SessionName:           "parley",
		ConnectionInformation: &sdp.ConnectionInformation{NetworkType: "IN", AddressType: ipVer, Address: &sdp.Address{Address: local.String()}},
		TimeDescriptions:      []sdp.TimeDescription{{Timing: sdp.Timing{}}},
	}
	for i, md := range n.offer.MediaDescriptions {
		if n.Video != nil && i == n.video && videoPort > 0 {
			ans.MediaDescriptions = append(ans.MediaDescriptions, n.Video.answer(md, videoPort))
			continue
		}
		if i != n.audio {
			ans.MediaDescriptions = append(ans.MediaDescriptions, &sdp.MediaDescription{
				MediaName: sdp.MediaName{Media: md.MediaName.Media, Port: sdp.RangedPort{Value: 0},
					Protos: md.MediaName.Protos, Formats: md.MediaName.Formats[:min(1, len(md.MediaName.Formats))]},
			})
			continue
		}
		ans.MediaDescriptions = append(ans.MediaDescriptions, n.audioAnswer(rtpPort))
	}
	return ans.Marshal()
}

func (n *Negotiation) audioAnswer(rtpPort int) *sdp.MediaDescription {
	pt := strconv.Itoa(int(n.PayloadType))
	md := &sdp.MediaDescription{
		MediaName: sdp.MediaName{Media: "audio", Port: sdp.RangedPort{Value: rtpPort},
			Protos: []string{"RTP", "AVP"}, Formats: []string{pt}},
	}
	rtpmap := n.Format.String()
	if n.WrittenAs != "" {
		rtpmap = n.WrittenAs
	}
	md.WithValueAttribute("rtpmap", pt+" "+rtpmap)
	if n.Format.Is(media.Opus) {
		md.WithValueAttribute("fmtp", pt+" minptime=10;useinbandfec=1")
	}
	if n.Format.Is(media.G729) {
		md.WithValueAttribute("fmtp", pt+" annexb=no") // SID accepted, never sent
	}
	if n.EventPayloadType != 0 {
		ev := strconv.Itoa(int(n.EventPayloadType))
		md.MediaName.Formats = append(md.MediaName.Formats, ev)
		md.WithValueAttribute("rtpmap", ev+" telephone-event/"+strconv.Itoa(n.eventRate()))
		md.WithValueAttribute("fmtp", ev+" 0-16")
	}
	md.WithValueAttribute("ptime", strconv.Itoa(media.FrameDuration))
	if n.RTCPMux {
		md.WithPropertyAttribute("rtcp-mux")
	}
	md.WithPropertyAttribute(string(n.Direction))
	n.answerCrypto(md)
	return md
}

// answer is the video m-line of the answer: H.264 on port, with the
// offer's format parameters and the keyframe feedback Parley sends and
// acts on (RFC 4585 "nack pli", RFC 5104 "ccm fir"), when the offer is AVPF.
func (v *VideoNegotiation) answer(offered *sdp.MediaDescription, port int) *sdp.MediaDescription {
	pt := strconv.Itoa(int(v.PayloadType))
	md := &sdp.MediaDescription{
		MediaName: sdp.MediaName{Media: "video", Port: sdp.RangedPort{Value: port},
			Protos: offered.MediaName.Protos, Formats: []string{pt}},
	}
	md.WithValueAttribute("rtpmap", pt+" H264/90000")
	if v.Fmtp != "" {
		md.WithValueAttribute("fmtp", pt+" "+v.Fmtp)
	}
	if hasProto(offered, "RTP", "AVPF") {
		md.WithValueAttribute("rtcp-fb", pt+" nack pli")
		md.WithValueAttribute("rtcp-fb", pt+" ccm fir")
	}
	if v.Mux {
		md.WithPropertyAttribute("rtcp-mux")
	}
	md.WithPropertyAttribute(string(v.Direction))
	return md
}

func (n *Negotiation) eventRate() int {
	f := rtpmaps(n.offer.MediaDescriptions[n.audio])[n.EventPayloadType]
	return f.ClockRate
}

// Offer writes Parley's SDP offer (RFC 3264 §5), for calls out and for an
// INVITE that came without one (late offer): the formats of c in c's
// order, plus telephone-event at each of their clock rates (audioOffer);
// and, when videoPort is not 0, H.264 video on it for a room system
// (videoOffer).
func (c Codecs) Offer(local netip.Addr, rtpPort, videoPort int, sessionID, version uint64) ([]byte, error) {
	ipVer := "IP4"
	if local.Is6() {
		ipVer = "IP6"
	}
	md := c.audioOffer(rtpPort)
	offer := &sdp.SessionDescription{
		Origin: sdp.Origin{
			Username: "parley", SessionID: sessionID, SessionVersion: version,
			NetworkType: "IN", AddressType: ipVer, UnicastAddress: local.String(),
		},
		SessionName:           "parley",
		ConnectionInformation: &sdp.ConnectionInformation{NetworkType: "IN", AddressType: ipVer, Address: &sdp.Address{Address: local.String()}},
		TimeDescriptions:      []sdp.TimeDescription{{Timing: sdp.Timing{}}},
		MediaDescriptions:     []*sdp.MediaDescription{md},
	}
	if videoPort > 0 {
		offer.MediaDescriptions = append(offer.MediaDescriptions, videoOffer(videoPort))
	}
	return offer.Marshal()
}

// videoOffer is the video m-line of Parley's offer: H.264 Constrained
// Baseline in packetization-mode 1, which browsers send, then mode 0 for
// room systems that take only single NAL units (RFC 6184 §8.1).
func videoOffer(port int) *sdp.MediaDescription {
	md := &sdp.MediaDescription{
		MediaName: sdp.MediaName{Media: "video", Port: sdp.RangedPort{Value: port},
			Protos: []string{"RTP", "AVP"}, Formats: []string{"96", "97"}},
	}
	md.WithValueAttribute("rtpmap", "96 H264/90000")
	md.WithValueAttribute("fmtp", "96 packetization-mode=1;profile-level-id=42e01f")
	md.WithValueAttribute("rtpmap", "97 H264/90000")
	md.WithValueAttribute("fmtp", "97 packetization-mode=0;profile-level-id=42e01f")
	md.WithPropertyAttribute(string(SendRecv))
	return md
}

// ReadAnswer reads the SDP answer to one of Parley's offers: the format the
// answerer chose (the first it lists that is in c), where to send it, and
// the direction as the answerer stated it, seen from our side; and the
// video stream, when the answerer accepted Parley's.
func (c Codecs) ReadAnswer(answer []byte) (*Negotiation, error) {
	return c.Negotiate(answer)
}
