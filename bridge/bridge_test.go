package bridge

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/media"
)

// fakeLeg is a leg that sends a constant level and counts what it hears.
type fakeLeg struct {
	done     chan struct{}
	doneOnce sync.Once
	mu       sync.Mutex
	level    int16
	written  int
	hungUp   string
}

func (l *fakeLeg) ReadAudio(frame []int16, rate int) bool {
	for i := range frame {
		frame[i] = l.level
		if i%2 == 1 {
			frame[i] = -l.level
		}
	}
	return l.level != 0
}
func (l *fakeLeg) Format() media.Format { return media.PCMU }
func (l *fakeLeg) WriteAudio(payload []byte) {
	l.mu.Lock()
	l.written++
	l.mu.Unlock()
}
func (l *fakeLeg) Hangup(reason string) {
	l.mu.Lock()
	l.hungUp = reason
	l.mu.Unlock()
	done := l.doneChan()
	l.doneOnce.Do(func() { close(done) })
}

func (l *fakeLeg) Done() <-chan struct{} { return l.doneChan() }

func (l *fakeLeg) doneChan() chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done == nil {
		l.done = make(chan struct{})
	}
	return l.done
}
func (l *fakeLeg) frames() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.written
}

func newTestBridge(t *testing.T) *Bridge {
	t.Helper()
	b, err := New(Options{Rooms: []RoomSettings{{Number: "1000", Name: "Test"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestUnknownRoom(t *testing.T) {
	b := newTestBridge(t)
	if _, err := b.Room("1234"); !errors.Is(err, ErrUnknownRoom) {
		t.Fatalf("err = %v, want ErrUnknownRoom", err)
	}
}

func TestDuplicateRoom(t *testing.T) {
	_, err := New(Options{Rooms: []RoomSettings{{Number: "1"}, {Number: "1"}}})
	if err == nil {
		t.Fatal("two rooms with one number were accepted")
	}
}

func TestJoinMixesAndLeaveStopsMixer(t *testing.T) {
	b := newTestBridge(t)
	room, err := b.Room("1000")
	if err != nil {
		t.Fatal(err)
	}
	talker, listener := &fakeLeg{level: 8000}, &fakeLeg{}
	p1, err := room.Join(talker, JoinOptions{Name: "talker"})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := room.Join(listener, JoinOptions{Name: "listener"})
	if err != nil {
		t.Fatal(err)
	}
	if room.Len() != 2 || p1.ID == p2.ID {
		t.Fatalf("len %d, ids %s %s", room.Len(), p1.ID, p2.ID)
	}
	deadline := time.Now().Add(2 * time.Second)
	for listener.frames() < 5 {
		if time.Now().After(deadline) {
			t.Fatal("the listener received no frames from the running mixer")
		}
		time.Sleep(20 * time.Millisecond)
	}
	p1.Leave()
	p1.Leave() // idempotent
	p2.Leave()
	if room.Len() != 0 {
		t.Fatalf("len %d after everyone left", room.Len())
	}
	room.mu.Lock()
	running := room.mix != nil
	room.mu.Unlock()
	if running {
		t.Error("the mixer still runs in an empty room")
	}
	n := listener.frames()
	time.Sleep(100 * time.Millisecond)
	if listener.frames() != n {
		t.Error("a leg that left still receives audio")
	}
}

func TestCloseHangsUpEveryone(t *testing.T) {
	b := newTestBridge(t)
	room, _ := b.Room("1000")
	leg := &fakeLeg{}
	if _, err := room.Join(leg, JoinOptions{Name: "x"}); err != nil {
		t.Fatal(err)
	}
	b.Close()
	if leg.hungUp == "" {
		t.Error("Close did not hang up the leg")
	}
	if room.Len() != 0 {
		t.Error("Close left participants in the room")
	}
	if _, err := b.Room("1000"); !errors.Is(err, ErrClosed) {
		t.Errorf("Room after Close: %v, want ErrClosed", err)
	}
	if _, err := room.Join(&fakeLeg{}, JoinOptions{Name: "late"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Join after Close: %v, want ErrClosed", err)
	}
}
