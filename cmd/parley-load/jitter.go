package main

import (
	"container/heap"
	"math/rand/v2"
	"time"
)

// Network jitter added by the generator (-jitter): every packet a leg
// sends is held for a random delay, uniform in [0, max], before it goes
// out, and a leg's packets keep their order (a packet is never sent
// before the leg's previous one: its delay is raised to the previous
// one's when the draw would overtake it, which keeps it within [0, max]
// since packets are 20 ms apart). The marker's onset is timed when it
// actually goes out, so the bridge-added latency excludes the delay the
// generator added and includes what the bridge's jitter buffer adds to
// absorb it.

// jitterQueue holds the delayed packets, earliest due first. Only the
// sender's goroutine uses it.
type jitterQueue struct {
	max     time.Duration
	rng     *rand.Rand
	q       delayed
	lastDue map[*leg]time.Time
	pushed  uint64 // packets pushed so far: the order among equal due times
	free    [][]byte
}

// delayedPacket is a packet waiting for its time.
type delayedPacket struct {
	due   time.Time
	order uint64
	l     *leg
	pkt   []byte
	onset bool
}

// delayed is a min-heap of packets by due time.
type delayed []delayedPacket

func (d delayed) Len() int { return len(d) }
func (d delayed) Less(i, j int) bool {
	if d[i].due.Equal(d[j].due) {
		return d[i].order < d[j].order
	}
	return d[i].due.Before(d[j].due)
}
func (d delayed) Swap(i, j int) { d[i], d[j] = d[j], d[i] }
func (d *delayed) Push(x any)   { *d = append(*d, x.(delayedPacket)) }
func (d *delayed) Pop() any {
	old := *d
	x := old[len(old)-1]
	*d = old[:len(old)-1]
	return x
}

func newJitterQueue(max time.Duration) *jitterQueue {
	return &jitterQueue{max: max, rng: rand.New(rand.NewPCG(1, 2)), lastDue: map[*leg]time.Time{}}
}

// push queues a copy of pkt, due at sent plus a random delay.
func (j *jitterQueue) push(sent time.Time, l *leg, pkt []byte, onset bool) {
	due := sent.Add(time.Duration(j.rng.Int64N(int64(j.max) + 1)))
	if last := j.lastDue[l]; due.Before(last) {
		due = last
	}
	j.lastDue[l] = due
	var b []byte
	if n := len(j.free); n > 0 {
		b, j.free = j.free[n-1][:0], j.free[:n-1]
	}
	j.pushed++
	heap.Push(&j.q, delayedPacket{due: due, order: j.pushed, l: l, pkt: append(b, pkt...), onset: onset})
}

// due is when the earliest packet is due; false when none waits.
func (j *jitterQueue) due() (time.Time, bool) {
	if len(j.q) == 0 {
		return time.Time{}, false
	}
	return j.q[0].due, true
}

// flush sends every packet due by now and returns how many sends failed.
func (j *jitterQueue) flush(now time.Time) int {
	errs := 0
	for len(j.q) > 0 && !j.q[0].due.After(now) {
		p := heap.Pop(&j.q).(delayedPacket)
		if p.l.write(p.pkt) != nil {
			errs++
		}
		if p.onset {
			p.l.lat.onsetSent(time.Now())
		}
		j.free = append(j.free, p.pkt)
	}
	return errs
}
