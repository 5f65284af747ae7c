package webrtc

import (
	"strings"

	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"

	"github.com/parleyhq/parley/video"
)

// receivable returns which forwarded codecs a browser can take: those
// Parley negotiates with browsers (browserCodecs) that its first offer
// lists for video. A browser without H.264 (a Firefox that has not
// fetched its OpenH264 plugin) is then not offered the H.264 of a room
// system or of another browser, which it could not decode; an offer
// without video takes what browserCodecs takes.
func receivable(offer *pion.SessionDescription) func(video.Codec) bool {
	if offer == nil {
		return browserCodecs
	}
	var sd sdp.SessionDescription // not offer.Unmarshal: that caches in pion's description, which pion reads
	if err := sd.UnmarshalString(offer.SDP); err != nil {
		return browserCodecs
	}
	offered := map[string]bool{}
	found := false
	for _, md := range sd.MediaDescriptions {
		if md.MediaName.Media != "video" {
			continue
		}
		found = true
		for _, a := range md.Attributes {
			if a.Key != "rtpmap" {
				continue
			}
			_, enc, _ := strings.Cut(a.Value, " ")
			name, _, _ := strings.Cut(enc, "/")
			offered[strings.ToLower("video/"+name)] = true
		}
	}
	if !found {
		return browserCodecs
	}
	return func(c video.Codec) bool { return browserCodecs(c) && offered[strings.ToLower(c.MimeType)] }
}
