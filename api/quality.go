package api

import (
	"math"
	"strconv"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/store"
)

// CallQuality is the call quality of a SIP leg, as RTCP measures it:
// live in the participants' list, and as it was at the end in the
// attendance record.
type CallQuality struct {
	// LossIn is the percentage of the participant's packets lost on the
	// way to Parley.
	LossIn float64 `json:"loss_in_pct"`
	// LossOut is the percentage of Parley's packets the participant's
	// phone reports lost.
	LossOut float64 `json:"loss_out_pct"`
	// Jitter is the interarrival jitter of the participant's packets, ms.
	Jitter float64 `json:"jitter_ms"`
	// RTT is the round-trip time, ms; 0 until the phone's first report.
	RTT float64 `json:"rtt_ms"`
	// MOS is the estimated mean opinion score (ITU-T G.107 E-model),
	// 1 (bad) to 4.5 (best narrowband).
	MOS float64 `json:"mos"`
}

// qualityCells are the quality columns of attendees.csv.
var qualityCells = []string{"loss_in_pct", "loss_out_pct", "jitter_ms", "rtt_ms", "mos"}

// liveQuality returns p's call quality so far, or nil for a participant
// whose leg does not measure it or has received nothing yet.
func liveQuality(p *bridge.Participant) *CallQuality {
	q, ok := p.Quality()
	if !ok || q.Received == 0 {
		return nil
	}
	return &CallQuality{LossIn: round2(q.LossIn), LossOut: round2(q.LossOut), Jitter: round2(q.JitterIn),
		RTT: round2(q.RTT), MOS: round2(q.MOS)}
}

// recordedQuality returns a visit's recorded quality, or nil.
func recordedQuality(q *store.CallQuality) *CallQuality {
	if q == nil {
		return nil
	}
	return &CallQuality{LossIn: round2(q.LossIn), LossOut: round2(q.LossOut), Jitter: round2(q.JitterMS),
		RTT: round2(q.RTTMS), MOS: round2(q.MOS)}
}

// csvCells returns the quality columns of attendees.csv for q: empty when
// nil.
func (q *CallQuality) csvCells() []string {
	if q == nil {
		return make([]string, len(qualityCells))
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	return []string{f(q.LossIn), f(q.LossOut), f(q.Jitter), f(q.RTT), f(q.MOS)}
}

// round2 rounds to two decimals, which is all the figures are worth.
func round2(v float64) float64 { return math.Round(v*100) / 100 }
