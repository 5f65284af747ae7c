package media

import "strings"

// Quality is the call quality of one leg, in both directions, as RTCP
// tells it (RFC 3550 §6.4) and an E-model estimate sums it up.
type Quality struct {
	// Received counts the RTP packets received from the far end; Expected
	// how many its sequence numbers say were sent.
	Received, Expected uint64
	// LossIn is the percentage of the far end's packets that did not reach
	// us (0-100).
	LossIn float64
	// JitterIn is the interarrival jitter of the far end's packets
	// (RFC 3550 §6.4.1), in milliseconds.
	JitterIn float64
	// Reported is true once the far end has sent a report block about our
	// stream; LossOut, JitterOut and, when Reported, RTT are then its view.
	Reported bool
	// LossOut is the percentage of our packets the far end says it lost,
	// cumulative (0-100).
	LossOut float64
	// JitterOut is the jitter the far end measures on our packets, in
	// milliseconds.
	JitterOut float64
	// RTT is the round-trip time from the far end's last report (LSR and
	// DLSR, RFC 3550 §6.4.1), in milliseconds; 0 while unknown.
	RTT float64
	// XR is the far end's RTCP-XR VoIP metrics (RFC 3611 §4.7), when it
	// sends them; nil otherwise.
	XR *VoIPMetrics
	// MOS is the estimated mean opinion score (1-4.5) of the leg's worse
	// direction: the E-model of EModelR and MOSFromR. It is 0 while
	// nothing was received.
	MOS float64
}

// VoIPMetrics are the figures of an RTCP-XR VoIP metrics report block
// (RFC 3611 §4.7) that a phone sends about our stream.
type VoIPMetrics struct {
	// LossRate and DiscardRate are the percentages of packets lost in the
	// network and discarded by the jitter buffer.
	LossRate, DiscardRate float64
	// RoundTrip is the round-trip delay the phone measures, in ms.
	RoundTrip float64
	// RFactor is the phone's R factor (0-100; 127 means unavailable).
	RFactor int
	// MOSLQ and MOSCQ are the phone's listening and conversational MOS
	// (1-5; 0 means unavailable).
	MOSLQ, MOSCQ float64
}

// codecImpairment is the E-model equipment impairment of a codec: Ie, and
// Bpl, its robustness to random packet loss (ITU-T G.113 Appendix I, with
// packet loss concealment).
type codecImpairment struct{ ie, bpl float64 }

// impairments by codec name. G.711 and G.729A are G.113's values; G.722
// and Opus, which G.113 rates on the wideband scale only, are given their
// narrowband-scale equivalents (no coding impairment, concealment about as
// good as G.711's).
var impairments = map[string]codecImpairment{
	"pcmu": {0, 25.1}, "pcma": {0, 25.1}, "g722": {0, 25.1},
	"g729": {11, 19}, "opus": {0, 30},
}

// EModelR returns the transmission rating factor R of the simplified ITU-T
// G.107 E-model: R = 93.2 - Id - Ie,eff, where Id is the delay impairment
// of a one-way mouth-to-ear delay of delayMS milliseconds (the common
// linear fit of G.107's curve: 0.024 d, plus 0.11 (d - 177.3) beyond
// 177.3 ms) and Ie,eff = Ie + (95 - Ie) Ppl / (Ppl + Bpl) the effective
// equipment impairment of codec at lossPct percent random loss. An unknown
// codec is rated as G.711.
func EModelR(codec string, lossPct, delayMS float64) float64 {
	imp, ok := impairments[strings.ToLower(codec)]
	if !ok {
		imp = impairments["pcmu"]
	}
	lossPct = min(max(lossPct, 0), 100)
	delayMS = max(delayMS, 0)
	id := 0.024 * delayMS
	if delayMS > 177.3 {
		id += 0.11 * (delayMS - 177.3)
	}
	ieEff := imp.ie + (95-imp.ie)*lossPct/(lossPct+imp.bpl)
	return 93.2 - id - ieEff
}

// MOSFromR maps an R factor to an estimated MOS by G.107 Annex B: 1 below
// R = 0, 4.5 above 100, else 1 + 0.035 R + R (R - 60) (100 - R) 7e-6.
func MOSFromR(r float64) float64 {
	switch {
	case r <= 0:
		return 1
	case r >= 100:
		return 4.5
	}
	return 1 + 0.035*r + r*(r-60)*(100-r)*7e-6
}

// oneWayDelay estimates the mouth-to-ear delay of a leg, in ms: half the
// round trip, a jitter buffer twice the jitter, and one packet time.
func oneWayDelay(rttMS, jitterMS float64) float64 {
	return rttMS/2 + 2*jitterMS + FrameDuration
}

// estimateMOS fills q.MOS from its worse direction.
func (q *Quality) estimateMOS(codec string) {
	if q.Received == 0 {
		q.MOS = 0
		return
	}
	loss, jit := q.LossIn, q.JitterIn
	if q.Reported {
		loss, jit = max(loss, q.LossOut), max(jit, q.JitterOut)
	}
	q.MOS = MOSFromR(EModelR(codec, loss, oneWayDelay(q.RTT, jit)))
}
