package sip

import (
	"fmt"
	"slices"

	"github.com/pion/sdp/v3"

	"github.com/parleyhq/parley/media"
)

// Codecs are the audio formats a Server negotiates on SIP legs: the ones it
// accepts in an offer (the offerer's order wins, RFC 3264 §6.1) and puts in
// its own offers. Options.Codecs sets them; the methods Negotiate, Offer and
// ReadAnswer (sdp.go) use them.
type Codecs []media.Format

// DefaultCodecs returns what a Server negotiates when Options.Codecs is nil:
// PCMU, PCMA and Opus. G.729 is not among them: it costs CPU, and is for
// the trunks that offer nothing else, enabled by configuration.
func DefaultCodecs() Codecs { return Codecs{media.PCMU, media.PCMA, media.Opus} }

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

// offerG729 adds G.729 to the audio m-line of an offer when c has it: the
// static payload type 18 with annexb=no, since Parley sends no SID frames
// (RFC 4856 §2.1.9).
func (c Codecs) offerG729(md *sdp.MediaDescription) {
	if _, ok := c.find(media.G729); !ok {
		return
	}
	at := slices.Index(md.MediaName.Formats, "101") // before telephone-event
	if at < 0 {
		at = len(md.MediaName.Formats)
	}
	md.MediaName.Formats = slices.Insert(md.MediaName.Formats, at, "18")
	md.WithValueAttribute("rtpmap", "18 G729/8000")
	md.WithValueAttribute("fmtp", "18 annexb=no")
}
