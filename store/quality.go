package store

import (
	"context"
	"database/sql"
	"fmt"
)

// CallQuality is the call quality of a visit over a SIP leg when it
// ended, as RTCP measured it.
type CallQuality struct {
	// LossIn and LossOut are the percentages (0-100) of packets lost
	// toward Parley and toward the participant.
	LossIn, LossOut float64
	// JitterMS is the interarrival jitter of the participant's packets.
	JitterMS float64
	// RTTMS is the round-trip time; 0 when unknown.
	RTTMS float64
	// MOS is the estimated mean opinion score, 1-4.5.
	MOS float64
}

// RecordQuality stores the call quality of the visit id. It returns
// ErrNotFound if there is no such record.
func (db *DB) RecordQuality(ctx context.Context, id int64, q CallQuality) error {
	err := db.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE attendance SET loss_in = ?, loss_out = ?, jitter_ms = ?, rtt_ms = ?, mos = ?
			WHERE id = ?`, q.LossIn, q.LossOut, q.JitterMS, q.RTTMS, q.MOS, id)
		if err != nil {
			return err
		}
		return notFoundIfNone(res)
	})
	if err != nil {
		return fmt.Errorf("store: record quality of attendance %d: %w", id, err)
	}
	return nil
}

// qualityColumns are the columns scanQuality reads, in its order.
const qualityColumns = `, loss_in, loss_out, jitter_ms, rtt_ms, mos`

// qualityScan holds the nullable quality columns of one row.
type qualityScan struct{ lossIn, lossOut, jitter, rtt, mos sql.NullFloat64 }

// dest returns the scan destinations, in qualityColumns' order.
func (q *qualityScan) dest() []any { return []any{&q.lossIn, &q.lossOut, &q.jitter, &q.rtt, &q.mos} }

// value returns the quality, or nil when the row has none.
func (q *qualityScan) value() *CallQuality {
	if !q.mos.Valid {
		return nil
	}
	return &CallQuality{LossIn: q.lossIn.Float64, LossOut: q.lossOut.Float64, JitterMS: q.jitter.Float64,
		RTTMS: q.rtt.Float64, MOS: q.mos.Float64}
}
