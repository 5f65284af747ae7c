package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/webhook"
)

// TestWebhookDeliversSignedEvents: a running parley posts a phone's joined
// and left events to the configured webhook, signed with its secret.
func TestWebhookDeliversSignedEvents(t *testing.T) {
	const secret = "e2e-webhook-secret-5b1c"
	got := make(chan map[string]any, 16)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !webhook.Verify(secret, r.Header.Get(webhook.HeaderTimestamp), body, r.Header.Get(webhook.HeaderSignature)) {
			t.Errorf("a delivery with a bad signature: %s", r.Header.Get(webhook.HeaderSignature))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var e map[string]any
		_ = json.Unmarshal(body, &e)
		got <- e
	}))
	defer hook.Close()
	srv := startParley(t, roomConfig+"webhooks:\n  - {url: \""+hook.URL+"/parley\", secret: "+secret+", events: [joined, left]}\n")
	wav := toneFile(t, "tone.wav", 8000, 440, 0.25, 10)
	p := newPhone(t, "hooked", wav, "PCMU/8000/1", 41600)
	p.dial(t, "sip:1000@"+srv.sipUDP, 2)
	var types []string
	deadline := time.After(10 * time.Second)
	for len(types) < 2 {
		select {
		case e := <-got:
			types = append(types, e["type"].(string))
			if e["room"] != "1000" {
				t.Errorf("event for room %v, want 1000", e["room"])
			}
		case <-deadline:
			t.Fatalf("webhook got %v within 10 s, want joined and left", types)
		}
	}
	if types[0] != "joined" || types[1] != "left" {
		t.Errorf("webhook got %v, want [joined left] (the filter drops the rest)", types)
	}
	p.wait(t)
}

// TestMetricsCountCalls: /metrics shows a call in that was answered, the
// participant while it is in, and the mixer's ticks.
func TestMetricsCountCalls(t *testing.T) {
	srv := startParley(t, roomConfig)
	wav := toneFile(t, "tone.wav", 8000, 440, 0.25, 10)
	p := newPhone(t, "counted", wav, "PCMU/8000/1", 41640)
	p.dial(t, "sip:1000@"+srv.sipUDP, 4)
	srv.waitLog(t, "call joined", 1, 10*time.Second)
	time.Sleep(time.Second)
	scrape := func() string {
		res, err := http.Get("http://" + srv.http + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	during := scrape()
	for _, want := range []string{
		`parley_calls_total{direction="in",result="answered"} 1`,
		`parley_participants{role="attendee",via="sip"} 1`,
		`parley_rooms_active 1`,
		`parley_mixer_tick_seconds_count`,
	} {
		if !strings.Contains(during, want) {
			t.Errorf("/metrics during the call lacks %q", want)
		}
	}
	p.wait(t)
	srv.waitLog(t, "participant left", 1, 5*time.Second)
	if after := scrape(); !strings.Contains(after, `parley_participants{role="attendee",via="sip"} 0`) {
		t.Error("/metrics still counts the participant after the call")
	}
}
