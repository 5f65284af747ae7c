package sip

import (
	"slices"
	"strconv"

	"github.com/pion/sdp/v3"

	"github.com/parleyhq/parley/media"
)

// Codecs is the audio formats a SIP leg may use, in the order Parley's own
// offers list them (config `codecs:`). An answer takes the offerer's
// first format that is in the list, whatever its place in it (RFC 3264
// §6.1).
type Codecs []media.Format

// DefaultCodecs is the list when the config gives none: Opus, G.722,
// PCMU, PCMA.
func DefaultCodecs() Codecs { return Codecs{media.Opus, media.G722, media.PCMU, media.PCMA} }

// CodecsNamed returns the Codecs of SDP encoding names, in their order,
// skipping names media builds no codec for (config validation has
// reported those); no name at all gives DefaultCodecs.
func CodecsNamed(names []string) Codecs {
	var c Codecs
	for _, n := range names {
		if f, ok := media.FormatNamed(n); ok {
			c = append(c, f)
		}
	}
	if len(c) == 0 {
		return DefaultCodecs()
	}
	return c
}

// find returns the format of c that f names, if any.
func (c Codecs) find(f media.Format) (media.Format, bool) {
	for _, s := range c {
		if s.Is(f) {
			return s, true
		}
	}
	return media.Format{}, false
}

// dynamicPayloadType is the payload type Parley's offers give a format
// with no static one (RFC 3551 §6): Opus's usual 111.
const dynamicPayloadType = 111

// eventPayloadTypes are the payload types of telephone-event in Parley's
// offers, by clock rate.
var eventPayloadTypes = map[int]uint8{8000: 101, 16000: 102, 48000: 110}

// audioOffer is the audio m-line of Parley's offer: c's formats in order,
// static payload types where RFC 3551 §6 has one, then telephone-event
// (RFC 4733) at each of their clock rates.
func (c Codecs) audioOffer(rtpPort int) *sdp.MediaDescription {
	md := &sdp.MediaDescription{
		MediaName: sdp.MediaName{Media: "audio", Port: sdp.RangedPort{Value: rtpPort}, Protos: []string{"RTP", "AVP"}},
	}
	var rates []int
	for _, f := range c {
		pt := staticPayloadType(f)
		md.MediaName.Formats = append(md.MediaName.Formats, strconv.Itoa(int(pt)))
		md.WithValueAttribute("rtpmap", strconv.Itoa(int(pt))+" "+f.String())
		if f.Is(media.Opus) {
			md.WithValueAttribute("fmtp", strconv.Itoa(int(pt))+" minptime=10;useinbandfec=1")
		}
		if !slices.Contains(rates, f.ClockRate) {
			rates = append(rates, f.ClockRate)
		}
	}
	for _, r := range rates {
		pt, ok := eventPayloadTypes[r]
		if !ok {
			continue
		}
		ev := strconv.Itoa(int(pt))
		md.MediaName.Formats = append(md.MediaName.Formats, ev)
		md.WithValueAttribute("rtpmap", ev+" telephone-event/"+strconv.Itoa(r))
		md.WithValueAttribute("fmtp", ev+" 0-16")
	}
	md.WithValueAttribute("ptime", strconv.Itoa(media.FrameDuration))
	md.WithPropertyAttribute(string(SendRecv))
	return md
}

// staticPayloadType is f's static payload type, or dynamicPayloadType.
func staticPayloadType(f media.Format) uint8 {
	for pt, s := range staticFormats {
		if s.Is(f) {
			return pt
		}
	}
	return dynamicPayloadType
}

// codecs is the list of Options.Codecs, or DefaultCodecs when it is empty.
func (s *Server) codecs() Codecs {
	if len(s.opts.Codecs) == 0 {
		return DefaultCodecs()
	}
	return s.opts.Codecs
}
