package webrtc

import (
	"strings"

	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"
)

// withOpusDTX returns desc with usedtx=1 on the fmtp line of each Opus
// payload type (RFC 7587 §6.1) that does not state its own. It is applied
// to the browser's offer: pion's answer copies the offer's Opus
// parameters (and refuses a changed answer), so Parley's answer then says
// usedtx=1, and the browser may send one packet per 400 ms while its user
// is silent instead of 50 a second, which is most of a silent guest's cost
// to Parley (receiving, decrypting, handing over through pion). Parley's
// own encoder ignores the parameter. The receive path already takes
// pauses: the jitter buffer treats the gap as one and plays the comfort
// noise frames between. A description that does not parse, or has no
// Opus, is returned as it is.
func withOpusDTX(desc pion.SessionDescription) pion.SessionDescription {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(desc.SDP); err != nil {
		return desc
	}
	changed := false
	for _, md := range sd.MediaDescriptions {
		if md.MediaName.Media != "audio" {
			continue
		}
		opus := map[string]bool{}
		for _, a := range md.Attributes {
			if a.Key != "rtpmap" {
				continue
			}
			pt, enc, _ := strings.Cut(a.Value, " ")
			if name, _, _ := strings.Cut(enc, "/"); strings.EqualFold(name, "opus") {
				opus[pt] = true
			}
		}
		for i, a := range md.Attributes {
			pt, params, _ := strings.Cut(a.Value, " ")
			if a.Key != "fmtp" || !opus[pt] || strings.Contains(strings.ToLower(params), "usedtx=") {
				continue
			}
			if params != "" {
				params += ";"
			}
			md.Attributes[i].Value = pt + " " + params + "usedtx=1"
			changed = true
		}
	}
	if !changed {
		return desc
	}
	out, err := sd.Marshal()
	if err != nil {
		return desc
	}
	return pion.SessionDescription{Type: desc.Type, SDP: string(out)}
}
