package e2e

import (
	"encoding/csv"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestLinkChangesReachTheGuestInTheRoom: a browser guest in the room by a
// personal guest link follows the link: a role change on the link changes
// the guest's role at once, and deleting the link removes the guest. The
// attendee list then shows the phone and the guest as they came.
func TestLinkChangesReachTheGuestInTheRoom(t *testing.T) {
	srv := startParley(t, browserConfig)
	phoneWAV := toneFile(t, "phone.wav", 8000, 440, toneAmplitude, 30)
	browserWAV := toneFile(t, "browser.wav", 48000, 1000, toneAmplitude, 30)
	ph := newPhone(t, "phone", phoneWAV, "PCMU/8000/1", 41860)
	ph.dial(t, "sip:1000@"+srv.sipUDP, 20)
	srv.waitLog(t, "call joined", 1, 10*time.Second)

	var l link
	if code := srv.apiCall(t, "POST", "/api/v1/rooms/1000/links",
		map[string]any{"kind": "guest", "name": "Ada Lovelace", "email": "ada@example.com", "role": "attendee"}, &l); code != http.StatusCreated {
		t.Fatalf("create guest link: %d", code)
	}
	b := newBrowser(t, browserWAV)
	b.do(t, chromedp.Navigate(l.url(srv)+"?raw=1"))
	b.clickJoin(t)
	b.waitState(t, "joined", 20*time.Second)

	guestRole := func() string {
		var list []struct{ Name, Role, Via string }
		srv.apiCall(t, "GET", "/api/v1/rooms/1000/participants", nil, &list)
		for _, p := range list {
			if p.Via == "webrtc" {
				return p.Role
			}
		}
		return ""
	}
	if r := guestRole(); r != "attendee" {
		t.Fatalf("the guest is %q in the room, want attendee", r)
	}
	if code := srv.apiCall(t, "PATCH", "/api/v1/rooms/1000/links/"+l.ID, map[string]any{"role": "spectator"}, nil); code != http.StatusOK {
		t.Fatalf("PATCH link role: %d", code)
	}
	if r := guestRole(); r != "spectator" {
		t.Errorf("after the link's role changed the guest is %q, want spectator at once", r)
	}
	if code := srv.apiCall(t, "DELETE", "/api/v1/rooms/1000/links/"+l.ID, nil, nil); code != http.StatusNoContent {
		t.Fatalf("DELETE link: %d", code)
	}
	deadline := time.Now().Add(2 * time.Second)
	for guestRole() != "" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if r := guestRole(); r != "" {
		t.Errorf("the guest is still in the room (%s) after its link was deleted", r)
	}
	ph.wait(t)
	srv.waitLog(t, "participant left", 2, 10*time.Second)

	req, _ := http.NewRequest("GET", "http://"+srv.http+"/api/v1/rooms/1000/attendees.csv", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(body), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	came := map[string]string{}
	for _, r := range rows[1:] {
		came[r[0]] = r[2] + " / " + r[3] + " / " + r[1]
	}
	t.Logf("attendees: %v", came)
	if !strings.HasPrefix(came["Ada Lovelace"], "guest link / ada@example.com") {
		t.Errorf("the guest's row is %q, want came by guest link with her email", came["Ada Lovelace"])
	}
	if !strings.HasPrefix(came["phone"], "dial-in") {
		t.Errorf("the phone's row is %q, want dial-in", came["phone"])
	}
}
