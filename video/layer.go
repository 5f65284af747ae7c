package video

import (
	"sync"
	"time"
)

// MeterWindow is how far back a Meter looks.
const MeterWindow = time.Second

// A Meter counts MeterWindow in meterBuckets parts of bucketLen, and its
// window slides by one part at a time.
const (
	meterBuckets = 10
	bucketLen    = MeterWindow / meterBuckets
)

// Meter measures the bitrate of one stream (a simulcast layer) over the
// last MeterWindow, or since the stream started if that is shorter: a
// stream starts with its first byte, and again after MeterWindow with
// none (a layer that a publisher dropped and takes up again), so that a
// layer that has just started is not taken for a cheap one. A stream
// younger than a bucket (MeterWindow/10) has no rate yet. It is safe for
// concurrent use: the publisher's reader goroutine calls Add for every
// packet while others call Rate.
type Meter struct {
	now   func() time.Time
	start time.Time // the meter's epoch: its bucket 0 begins here

	mu      sync.Mutex
	bytes   [meterBuckets]uint64 // guarded by mu; bytes counted in each bucket
	buckets [meterBuckets]int64  // guarded by mu; which bucket each slot counts
	began   time.Time            // guarded by mu; when the stream started; zero before the first byte
	last    time.Time            // guarded by mu; the last Add
}

// NewMeter returns a Meter that has counted nothing; now tells the time
// (nil means time.Now).
func NewMeter(now func() time.Time) *Meter {
	if now == nil {
		now = time.Now
	}
	return &Meter{now: now, start: now()}
}

// age returns the time t is after the Meter was made (never negative,
// should the clock step back) and the number of the bucket it falls in.
func (m *Meter) age(t time.Time) (time.Duration, int64) {
	age := max(t.Sub(m.start), 0)
	return age, int64(age / bucketLen)
}

// Add counts n bytes received now (the RTP payload, or the whole packet:
// the caller chooses and keeps to it). n ≤ 0 counts nothing.
func (m *Meter) Add(n int) {
	if n <= 0 {
		return
	}
	now := m.now()
	_, b := m.age(now)
	i := b % meterBuckets
	m.mu.Lock()
	if m.began.IsZero() || now.Sub(m.last) >= MeterWindow {
		m.began = now
	}
	m.last = now
	if m.buckets[i] < b { // the slot counts an old bucket: start it anew
		m.buckets[i], m.bytes[i] = b, 0
	}
	m.bytes[i] += uint64(n)
	m.mu.Unlock()
}

// Rate returns the bitrate, in bit/s, of what was added in the last
// MeterWindow, less up to a tenth of it that the window has slid past (or
// since the stream started, if that is shorter); 0 while the stream is
// younger than a bucket.
func (m *Meter) Rate() uint64 {
	now := m.now()
	age, b := m.age(now)
	var sum uint64
	m.mu.Lock()
	for i, bucket := range m.buckets {
		if d := b - bucket; d >= 0 && d < meterBuckets {
			sum += m.bytes[i]
		}
	}
	began := m.began
	m.mu.Unlock()
	if began.IsZero() {
		return 0
	}
	flowing := max(now.Sub(began), 0)
	// The current bucket is counted in part, so the span is the
	// meterBuckets-1 before it in full plus the elapsed part of it.
	span := min(age, flowing, (meterBuckets-1)*bucketLen+age%bucketLen)
	if flowing < bucketLen || span <= 0 {
		return 0
	}
	return uint64(float64(sum) * 8 / span.Seconds())
}

// upMargin is the headroom, in percent of a layer's rate, that the
// estimate must have before Choose moves up to that layer.
const upMargin = 15

// Choose picks the simulcast layer a receiver should get. rates is the
// bitrate (bit/s) of each layer, lowest first, 0 for a layer that is not
// flowing; estimate is the receiver's bandwidth estimate (bit/s); current
// is the layer it gets now, -1 for none (as is any index that is not a
// layer).
//
// The choice is the highest flowing layer that fits the estimate, with
// hysteresis so that an estimate near a layer's rate does not flap: a
// layer above current fits only when the estimate exceeds its rate by at
// least 15%, while current and the layers below it fit as long as their
// rate does not exceed the estimate; so the receiver moves down as soon
// as its layer no longer fits and up only with room to spare. When no
// layer fits, the choice is the lowest flowing layer; when none flows,
// -1. The margin is computed without overflow for any rate.
func Choose(rates []uint64, estimate uint64, current int) int {
	if current < 0 || current >= len(rates) {
		current = -1
	}
	lowest := -1
	for i := len(rates) - 1; i >= 0; i-- {
		r := rates[i]
		if r == 0 {
			continue
		}
		lowest = i
		if r > estimate {
			continue
		}
		// r ≤ estimate, so estimate-r does not wrap; the margin is
		// r*upMargin/100 without overflowing.
		if i <= current || estimate-r >= r/100*upMargin+r%100*upMargin/100 {
			return i
		}
	}
	return lowest
}
