package bridge

import (
	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/prompts"
)

// announcer is the room's voice: a send-only mixer participant that plays
// prompts (join and leave announcements) to everyone, mixed in.
type announcer struct {
	*prompts.Player
}

func newAnnouncer() *announcer { return &announcer{Player: prompts.NewPlayer()} }

// ReadAudio plays the next 20 ms of the queued prompts; false when idle.
func (a *announcer) ReadAudio(frame []int16, rate int) bool { return a.ReadFrame(frame, rate) }

// Format is PCMU so that the announcer never raises the room rate; it is
// never written to.
func (a *announcer) Format() media.Format { return media.PCMU }

// WriteAudio is never called for a send-only participant.
func (a *announcer) WriteAudio([]byte) {}
