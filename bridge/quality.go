package bridge

import (
	"context"

	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/store"
)

// QualityLeg is a Leg that measures its call quality: a SIP leg, by RTCP.
type QualityLeg interface {
	// Quality returns the leg's quality so far, and false while it has
	// none (no media yet, no RTCP).
	Quality() (media.Quality, bool)
}

// QualityRecords is where the bridge writes a visit's call quality when
// the participant leaves: *store.DB.
type QualityRecords interface {
	// RecordQuality stores the call quality of record id.
	RecordQuality(ctx context.Context, id int64, q store.CallQuality) error
}

// Quality returns the participant's call quality so far, and false for a
// leg that does not measure it (a browser) or has nothing yet.
func (p *Participant) Quality() (media.Quality, bool) {
	if l, ok := p.leg.(QualityLeg); ok {
		return l.Quality()
	}
	return media.Quality{}, false
}

// recordQuality stores the participant's call quality in its attendance
// record, when both exist.
func (r *Room) recordQuality(p *Participant, record int64) {
	rec, ok := r.bridge.records.(QualityRecords)
	if !ok || record == 0 {
		return
	}
	q, ok := p.Quality()
	if !ok || q.Received == 0 {
		return
	}
	err := rec.RecordQuality(context.Background(), record, store.CallQuality{
		LossIn: q.LossIn, LossOut: q.LossOut, JitterMS: q.JitterIn, RTTMS: q.RTT, MOS: q.MOS})
	if err != nil {
		r.log.Warn("call quality not recorded", "participant", p.ID, "err", err)
	}
}
