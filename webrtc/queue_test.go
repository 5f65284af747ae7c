package webrtc

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// queueStep is one call on a signalQueue: op is send, room (sendIfRoom,
// which must report ok), candidate, answer or close; text names the
// message.
type queueStep struct {
	op, text string
	ok       bool
}

// TestSignalQueueOrder drives a queue without its writer and reads what
// it holds: candidates wait for the first answer and follow it in order,
// nothing is queued after close, a full queue drops, and sendIfRoom keeps
// half the queue for the call's own messages.
func TestSignalQueueOrder(t *testing.T) {
	for _, tc := range []struct {
		name  string
		size  int
		steps []queueStep
		want  []string // the messages' Text, in queue order
	}{
		{"candidates before the answer wait for it", 8,
			[]queueStep{{op: "candidate", text: "c1"}, {op: "send", text: "config"}, {op: "candidate", text: "c2"}, {op: "answer", text: "a"}},
			[]string{"config", "a", "c1", "c2"}},
		{"candidates after the answer go at once", 8,
			[]queueStep{{op: "answer", text: "a"}, {op: "candidate", text: "c1"}, {op: "send", text: "joined"}, {op: "candidate", text: "c2"}},
			[]string{"a", "c1", "joined", "c2"}},
		{"a candidate without an answer never goes", 8,
			[]queueStep{{op: "candidate", text: "c1"}, {op: "send", text: "error"}},
			[]string{"error"}},
		{"nothing after close", 8,
			[]queueStep{{op: "send", text: "ended"}, {op: "close"}, {op: "send", text: "late"}, {op: "candidate", text: "c"},
				{op: "answer", text: "a"}, {op: "room", text: "roster"}, {op: "close"}},
			[]string{"ended"}},
		{"held candidates are dropped by close", 8,
			[]queueStep{{op: "candidate", text: "c1"}, {op: "close"}, {op: "answer", text: "a"}},
			nil},
		{"a full queue drops the newest", 2,
			[]queueStep{{op: "send", text: "1"}, {op: "send", text: "2"}, {op: "send", text: "3"}, {op: "answer", text: "a"}},
			[]string{"1", "2"}},
		{"the roster keeps to half the queue", 4,
			[]queueStep{{op: "room", text: "r1", ok: true}, {op: "send", text: "offer"}, {op: "room", text: "r2"},
				{op: "send", text: "candidate"}, {op: "send", text: "candidate2"}, {op: "room", text: "r3"}},
			[]string{"r1", "offer", "candidate", "candidate2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := newSignalQueue(nil, tc.size, slog.New(slog.DiscardHandler))
			for _, s := range tc.steps {
				m := Message{Type: TypeBanner, Text: s.text}
				switch s.op {
				case "send":
					q.send(m)
				case "room":
					if ok := q.sendIfRoom(m); ok != s.ok {
						t.Errorf("sendIfRoom(%s) = %v, want %v", s.text, ok, s.ok)
					}
				case "candidate":
					q.sendCandidate(m)
				case "answer":
					q.sendAnswer(m)
				case "close":
					q.close()
				}
			}
			q.close()
			var got []string
			for m := range q.out {
				got = append(got, m.Text)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("queued %q, want %q", got, tc.want)
			}
		})
	}
}

// stuckSignaller is a page that neither reads nor writes: its calls
// return only when their context ends.
type stuckSignaller struct{}

func (stuckSignaller) WriteJSON(ctx context.Context, _ any) error { <-ctx.Done(); return ctx.Err() }
func (stuckSignaller) ReadJSON(ctx context.Context, _ any) error  { <-ctx.Done(); return ctx.Err() }

// TestSignalQueueSlowPage: a page that stops reading blocks the writer
// and fills the queue; sending still never blocks, and finish cuts the
// writing short after the flush time, fails the queue and returns.
func TestSignalQueueSlowPage(t *testing.T) {
	q := newSignalQueue(stuckSignaller{}, 4, slog.New(slog.DiscardHandler))
	finish := q.start(context.Background(), 100*time.Millisecond)
	start := time.Now()
	for i := range 200 {
		q.send(Message{Type: TypeCandidate, Text: strconv.Itoa(i)})
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("200 sends to a page that does not read took %v", d)
	}
	if n := len(q.out); n != cap(q.out) {
		t.Errorf("%d messages queued, want the queue full (%d)", n, cap(q.out))
	}
	q.close()
	start = time.Now()
	finish()
	if d := time.Since(start); d < 100*time.Millisecond || d > 2*time.Second {
		t.Errorf("finish took %v with a flush time of 100 ms", d)
	}
	select {
	case <-q.failed():
		if !errors.Is(q.err(), context.Canceled) {
			t.Errorf("write error %v, want context.Canceled", q.err())
		}
	default:
		t.Error("the cut write did not fail the queue")
	}
}

// failSignaller fails its second write and reads what reads holds, then
// io.EOF.
type failSignaller struct {
	reads []Message

	mu      sync.Mutex
	written []string // guarded by mu
}

var errWrite = errors.New("write failed")

func (f *failSignaller) WriteJSON(_ context.Context, v any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.written = append(f.written, v.(Message).Text)
	if len(f.written) == 2 {
		return errWrite
	}
	return nil
}

func (f *failSignaller) ReadJSON(_ context.Context, v any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reads) == 0 {
		return io.EOF
	}
	*v.(*Message), f.reads = f.reads[0], f.reads[1:]
	return nil
}

// TestSignalQueueWriteFails: a failed write fails the queue with its
// error, nothing more is written, and the writer still empties the queue
// so that finish returns at once. The reader hands over what it read, then
// the error that ended reading, and stops.
func TestSignalQueueWriteFails(t *testing.T) {
	conn := &failSignaller{reads: []Message{{Type: TypeOffer}, {Type: TypeLeave}}}
	q := newSignalQueue(conn, 8, slog.New(slog.DiscardHandler))
	finish := q.start(context.Background(), 10*time.Second)
	for _, want := range []string{TypeOffer, TypeLeave} {
		if in := <-q.recv(); in.err != nil || in.msg.Type != want {
			t.Errorf("read %+v, want a %s", in, want)
		}
	}
	if in := <-q.recv(); !errors.Is(in.err, io.EOF) {
		t.Errorf("read %+v, want io.EOF", in)
	}
	for i := range 5 {
		q.send(Message{Type: TypeBanner, Text: strconv.Itoa(i)})
	}
	select {
	case <-q.failed():
	case <-time.After(5 * time.Second):
		t.Fatal("the failed write did not fail the queue")
	}
	if !errors.Is(q.err(), errWrite) {
		t.Errorf("err %v, want %v", q.err(), errWrite)
	}
	q.close()
	start := time.Now()
	finish()
	if d := time.Since(start); d > time.Second {
		t.Errorf("finish took %v after a failed write", d)
	}
	if !slices.Equal(conn.written, []string{"0", "1"}) {
		t.Errorf("written %q, want the two up to the failure", conn.written)
	}
}

// TestSignalQueueFlushes: messages queued before close still go out, in
// order, and finish waits for them; a reader blocked on a silent page is
// stopped.
func TestSignalQueueFlushes(t *testing.T) {
	server, browser := signalPipe()
	q := newSignalQueue(server, 8, slog.New(slog.DiscardHandler))
	finish := q.start(context.Background(), 10*time.Second)
	q.send(Message{Type: TypeJoined, Text: "1"})
	q.send(Message{Type: TypeEnded, Text: "2"})
	q.close()
	finish()
	for _, want := range []string{"1", "2"} {
		var m Message
		if err := browser.ReadJSON(context.Background(), &m); err != nil || m.Text != want {
			t.Errorf("page read %+v, %v; want message %s", m, err, want)
		}
	}
	select {
	case <-q.failed():
		t.Errorf("queue failed: %v", q.err())
	default:
	}
}
