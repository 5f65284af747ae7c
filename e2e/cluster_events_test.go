package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleyhq/parley/internal/testnats"
)

// eventLog reads an event stream (GET /api/v1/events) until the test
// ends, or a webhook's deliveries, onto a channel.
type eventLog chan map[string]any

// openEvents opens s's event stream as an admin and copies its events to
// the returned log until the test ends.
func openEvents(t *testing.T, s *server) eventLog {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	dial, dialCancel := context.WithTimeout(ctx, 5*time.Second)
	defer dialCancel()
	c, _, err := websocket.Dial(dial, "ws://"+s.http+"/api/v1/events",
		&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + adminToken}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	log := make(eventLog, 64)
	go func() {
		for {
			_, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			var e map[string]any
			if json.Unmarshal(data, &e) == nil {
				log <- e
			}
		}
	}()
	return log
}

// until returns the events of the log up to and including the first left
// event of participant, failing the test if none comes within.
func (l eventLog) until(t *testing.T, what, participant string, within time.Duration) []map[string]any {
	t.Helper()
	return l.upTo(t, what+": no left event of "+participant, within, func(e map[string]any) bool {
		return e["type"] == "left" && e["participant"] == participant
	})
}

// upTo returns the events of the log up to and including the first that
// match accepts, failing the test with missing if none comes within.
func (l eventLog) upTo(t *testing.T, missing string, within time.Duration, match func(map[string]any) bool) []map[string]any {
	t.Helper()
	var seen []map[string]any
	deadline := time.After(within)
	for {
		select {
		case e := <-l:
			seen = append(seen, e)
			if match(e) {
				return seen
			}
		case <-deadline:
			t.Fatalf("%s within %v; saw %v", missing, within, seen)
		}
	}
}

// TestClusterEvents: two nodes on one nats-server, each with an admin's
// event stream open and the same webhook configured. A phone joins room
// 1000 on node 1 and is kicked through node 2's API: both streams (node
// 2's relayed from node 1 over NATS) and the webhook see its join and
// its leaving exactly once each (the left event closes the count: events
// of one node arrive in order).
func TestClusterEvents(t *testing.T) {
	t.Parallel()
	hooked := make(eventLog, 64)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var e map[string]any
		if json.Unmarshal(body, &e) == nil {
			hooked <- e
		}
	}))
	t.Cleanup(hook.Close)
	hooks := "webhooks:\n  - {url: \"" + hook.URL + "/parley\", secret: e2e-cluster-hook, events: [joined, left]}\n"
	ns := testnats.Start(t)
	n1 := startParley(t, clusterNode("e1", ns.URL, "50400-50498")+hooks)
	n2 := startParley(t, clusterNode("e2", ns.URL, "50500-50598")+hooks)
	n1.waitLog(t, "cluster joined", 1, 5*time.Second)
	n2.waitLog(t, "cluster joined", 1, 5*time.Second)
	streams := map[string]eventLog{"node 1's stream": openEvents(t, n1), "node 2's stream": openEvents(t, n2), "the webhook": hooked}

	phone := startBgSipp(t, "wait_bye.xml", nil, "1000", n1.sipUDP)
	n1.waitLog(t, "call joined", 1, 10*time.Second)
	id, _ := n1.logged("call joined")[0]["participant"].(string)
	if code := n2.apiCall(t, "DELETE", "/api/v1/rooms/1000/participants/"+id, nil, nil); code != http.StatusNoContent && code != http.StatusOK {
		t.Fatalf("kick through node 2: %d", code)
	}
	if err := phone.wait(t, 10*time.Second); err != nil {
		t.Fatalf("the kicked phone did not get its BYE: %v\n%s", err, phone.out.String())
	}
	for what, log := range streams {
		seen := log.until(t, what, id, 10*time.Second)
		joined := 0
		for _, e := range seen {
			if e["participant"] == id && e["type"] == "joined" {
				joined++
				if e["room"] != "1000" || e["via"] != "sip" {
					t.Errorf("%s: the join %v, want room 1000 via sip", what, e)
				}
			}
		}
		if joined != 1 {
			t.Errorf("%s saw the join %d times, want once: %v", what, joined, seen)
		}
	}
}
