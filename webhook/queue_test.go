package webhook

import "testing"

// TestQueueDropsOldest checks FIFO order and that a full queue drops its
// oldest entry.
func TestQueueDropsOldest(t *testing.T) {
	q := newQueue(3)
	for i, id := range []string{"a", "b", "c", "d", "e"} {
		if dropped := q.push(delivery{id: id}); dropped != (i >= 3) {
			t.Errorf("push(%s) dropped = %v", id, dropped)
		}
	}
	if q.len() != 3 {
		t.Fatalf("len = %d, want 3", q.len())
	}
	for _, want := range []string{"c", "d", "e"} {
		if d, ok := q.pop(); !ok || d.id != want {
			t.Errorf("pop() = %q, %v; want %q", d.id, ok, want)
		}
	}
	if _, ok := q.pop(); ok {
		t.Error("pop() on empty queue succeeded")
	}
	q.push(delivery{id: "f"})
	if d, _ := q.pop(); d.id != "f" {
		t.Errorf("pop() after wrap = %q, want f", d.id)
	}
}

// len returns how many entries are queued.
func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}
