package bridge

import (
	"context"
	"time"

	"github.com/parleyhq/parley/prompts"
	"github.com/parleyhq/parley/store"
)

// Schedules is what the scheduler needs of the store.
type Schedules interface {
	// Schedules lists the schedules of a room; "" lists all.
	Schedules(ctx context.Context, room string) ([]store.Schedule, error)
	// MarkScheduleStarted claims a schedule's start; it fails if another
	// node (or an earlier run) claimed it first.
	MarkScheduleStarted(ctx context.Context, id int64, at time.Time) error
	// MarkScheduleEnded notes the end of a started schedule.
	MarkScheduleEnded(ctx context.Context, id int64, at time.Time) error
}

// endWarning is how long before a scheduled end everyone is warned.
const endWarning = time.Minute

// RunSchedules carries out scheduled conferences until ctx ends: at a
// schedule's start it calls every listed participant out with their role
// and name;
// one minute before its end everyone hears that the conference ends in a
// minute; at the end everyone hears goodbye and is hung up. It checks the
// store every interval (0 means one second), so a schedule edited before
// its start is called as edited. Claiming the start in the store first
// means only one node starts a conference.
func (b *Bridge) RunSchedules(ctx context.Context, s Schedules, interval time.Duration) {
	if interval <= 0 {
		interval = time.Second
	}
	warned := map[int64]bool{} // schedules whose end warning was played
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		b.runDueSchedules(ctx, s, warned, time.Now())
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (b *Bridge) runDueSchedules(ctx context.Context, s Schedules, warned map[int64]bool, now time.Time) {
	list, err := s.Schedules(ctx, "")
	if err != nil {
		b.log.Warn("schedules not read", "err", err)
		return
	}
	for _, sc := range list {
		switch {
		case sc.StartedAt == nil && !now.Before(sc.Start) && now.Before(sc.End) && !b.Draining():
			// While draining a due conference is left for the next process.
			b.startSchedule(ctx, s, sc, now)
		case sc.StartedAt != nil && sc.EndedAt == nil && !now.Before(sc.End):
			b.endSchedule(ctx, s, sc, now)
		case sc.StartedAt != nil && sc.EndedAt == nil && !warned[sc.ID] && !now.Before(sc.End.Add(-endWarning)):
			warned[sc.ID] = true
			if room, err := b.Room(sc.Room); err == nil {
				if clip, ok := b.voice().Get(prompts.EndingSoon); ok {
					room.Announce(clip)
				}
			}
		}
	}
}

// startSchedule claims the schedule and calls its participants.
func (b *Bridge) startSchedule(ctx context.Context, s Schedules, sc store.Schedule, now time.Time) {
	if err := s.MarkScheduleStarted(ctx, sc.ID, now); err != nil {
		return // claimed elsewhere, or gone
	}
	b.log.Info("scheduled conference starting", "room", sc.Room, "schedule", sc.ID, "participants", len(sc.Participants))
	for _, p := range sc.Participants {
		role, err := ParseRole(p.Role)
		if err != nil {
			role = RoleAttendee
		}
		if _, err := b.Dial(sc.Room, DialRequest{To: p.Target, Name: p.Name, Role: role}); err != nil {
			b.log.Info("scheduled call refused", "room", sc.Room, "schedule", sc.ID, "to", p.Target, "reason", err.Error())
		}
	}
}

// endSchedule ends a scheduled conference: a goodbye for everyone, then
// every call is hung up.
func (b *Bridge) endSchedule(ctx context.Context, s Schedules, sc store.Schedule, now time.Time) {
	if err := s.MarkScheduleEnded(ctx, sc.ID, now); err != nil {
		return
	}
	room, err := b.Room(sc.Room)
	if err != nil {
		return
	}
	b.log.Info("scheduled conference ending", "room", sc.Room, "schedule", sc.ID)
	clip, _ := b.voice().Get(prompts.ConferenceEnding)
	room.EndWithGoodbye(clip, "scheduled end")
}
