package sip

import (
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"

	"github.com/parleyhq/parley/media"
)

// Codecs are the audio formats a Server negotiates on SIP legs, in the
// order Parley's own offers list them (config `codecs:`): an answer takes
// the offerer's first format that is one of c, whatever its place in c
// (RFC 3264 §6.1). Options.Codecs sets them; the methods Negotiate, Offer
// and ReadAnswer (sdp.go) use them.
type Codecs []media.Format

// DefaultCodecs returns what a Server negotiates when Options.Codecs is nil:
// Opus, G.722, PCMU, PCMA. G.729 is not among them: it costs CPU, and is
// for the trunks that offer nothing else, enabled by configuration.
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

// WithG729 returns c with G.729 (payload type 18, Annex A; Annex B SID
// frames accepted, never sent) added last, unless c has it already.
func (c Codecs) WithG729() Codecs {
	if _, ok := c.find(media.G729); ok {
		return c
	}
	return append(slices.Clip(c), media.G729)
}

// check reports an empty c, or the first of c that package media cannot
// decode (its encoders are made for the same formats).
func (c Codecs) check() error {
	if len(c) == 0 {
		return fmt.Errorf("sip: no audio codecs")
	}
	for _, f := range c {
		if _, err := media.NewDecoder(f); err != nil {
			return fmt.Errorf("sip: codec %s: %w", f, err)
		}
	}
	return nil
}

// find returns the format of c that is f, if any.
func (c Codecs) find(f media.Format) (media.Format, bool) {
	for _, s := range c {
		if s.Is(f) {
			return s, true
		}
	}
	return media.Format{}, false
}

// canonical returns the format f names, undoing a common mistake of desk
// phones and gateways: G.722 written "G722/16000", its sample rate, where
// RFC 3551 §4.5.2 gives its RTP clock as 8000 Hz. Every other f is itself.
func canonical(f media.Format) media.Format {
	if strings.EqualFold(f.Name, media.G722.Name) && f.ClockRate == 2*media.G722.ClockRate {
		return media.G722
	}
	return f
}

// writtenAs is how an offer wrote chosen as written, when that is not
// chosen's own spelling (canonical undid it), else "".
func writtenAs(written, chosen media.Format) string {
	if written.Is(chosen) {
		return ""
	}
	return written.String()
}

// writtenAttr is the log attribute that notes n.WrittenAs beside the
// codec ("codec_written": "G722/16000"); nothing when the SDP wrote the
// format as it is.
func (n *Negotiation) writtenAttr() slog.Attr {
	if n.WrittenAs == "" {
		return slog.Attr{}
	}
	return slog.String("codec_written", n.WrittenAs)
}

// dynamicPayloadType is the payload type Parley's offers give a format
// with no static one (RFC 3551 §6): Opus's usual 111.
const dynamicPayloadType = 111

// eventPayloadTypes are the payload types of telephone-event in Parley's
// offers, by clock rate.
var eventPayloadTypes = map[int]uint8{8000: 101, 16000: 102, 48000: 110}

// audioOffer is the audio m-line of Parley's offer: c's formats in order,
// static payload types where RFC 3551 §6 has one, then telephone-event
// (RFC 4733) at each of their clock rates. G.729 is offered with
// annexb=no, since Parley sends no SID frames (RFC 4856 §2.1.9).
func (c Codecs) audioOffer(rtpPort int) *sdp.MediaDescription {
	md := &sdp.MediaDescription{
		MediaName: sdp.MediaName{Media: "audio", Port: sdp.RangedPort{Value: rtpPort}, Protos: []string{"RTP", "AVP"}},
	}
	var rates []int
	for _, f := range c {
		pt := strconv.Itoa(int(staticPayloadType(f)))
		md.MediaName.Formats = append(md.MediaName.Formats, pt)
		md.WithValueAttribute("rtpmap", pt+" "+f.String())
		switch {
		case f.Is(media.Opus):
			md.WithValueAttribute("fmtp", pt+" minptime=10;useinbandfec=1")
		case f.Is(media.G729):
			md.WithValueAttribute("fmtp", pt+" annexb=no")
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
