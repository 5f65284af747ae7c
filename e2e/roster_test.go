package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserRoster: two headless Chromium guests join room 1000 by a
// group link, Ada with a fake microphone playing 1000 Hz and Bob with one
// playing silence. Each page's participant list (the list named
// "Participants") shows both names, their roles and its own guest marked
// "(you)"; each page labels the other's video tile with the other's name;
// Ada's talking indicator (class and aria-label) is on on both pages,
// goes off while she mutes and comes back when she unmutes, while Bob's
// stays off; a moderator's mute and role change show on both lists; when
// Bob leaves, Ada's list drops him.
func TestBrowserRoster(t *testing.T) {
	srv := startParley(t, browserConfig)
	tone := toneFile(t, "tone.wav", 48000, 1000, toneAmplitude, 60)
	quiet := toneFile(t, "quiet.wav", 48000, 1000, 0, 60)
	link := createLink(t, srv, "1000")
	ada := joinWithCamera(t, srv, link, tone, "Ada Lovelace", "")
	bob := joinWithCamera(t, srv, link, quiet, "Bob Kahn", "")

	// entry says whether g's entry in a list is as ok wants.
	entry := func(g *videoGuest, ok func(rosterItem) bool) func([]rosterItem) bool {
		return func(l []rosterItem) bool {
			i := slices.IndexFunc(l, func(it rosterItem) bool { return it.ID == g.id })
			return i >= 0 && ok(l[i])
		}
	}
	talking := func(g *videoGuest, want bool) func([]rosterItem) bool {
		return entry(g, func(it rosterItem) bool { return it.Talking == want })
	}
	muted := func(g *videoGuest, want bool) func([]rosterItem) bool {
		return entry(g, func(it rosterItem) bool { return it.Muted == want })
	}
	for _, g := range []*videoGuest{ada, bob} {
		g.do(t, chromedp.WaitVisible("", byAX("list", "Participants", true)))
		got := g.waitRoster(t, 10*time.Second, "both, Ada talking", func(l []rosterItem) bool {
			return len(l) == 2 && talking(ada, true)(l)
		})
		want := []rosterItem{
			{ID: ada.id, Name: "Ada Lovelace", Role: "Attendee", Talking: true, TalkLabel: "Talking"},
			{ID: bob.id, Name: "Bob Kahn", Role: "Attendee", TalkLabel: "Silent"},
		}
		for i := range want {
			if want[i].ID == g.id {
				want[i].Name += " (you)"
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s's participant list %+v, want %+v", g.name, got, want)
		}
	}

	// Each tile is labelled with its publisher's name.
	for _, p := range []struct{ viewer, sender *videoGuest }{{ada, bob}, {bob, ada}} {
		p.viewer.waitDecoding(t, []string{p.sender.id}, 10*time.Second)
		label, _ := p.viewer.eval(t, fmt.Sprintf(`(() => {
			const tile = document.querySelector('#videos [data-participant=%q]');
			return tile ? tile.querySelector('.label').textContent + ' | ' + tile.querySelector('video').getAttribute('aria-label') : '';
		})()`, p.sender.id)).(string)
		if want := p.sender.name + " | Video of " + p.sender.name; label != want {
			t.Errorf("%s labels %s's tile %q, want %q", p.viewer.name, p.sender.name, label, want)
		}
	}
	bob.screenshot(t, "roster.png")

	// Ada mutes: the room stops hearing her and both lists say so; she
	// unmutes: her indicator comes back. Bob, silent, never talks.
	// Her mute reaches the room, as a phone's mute key does: both lists
	// mark her muted, and unmuted again.
	ada.do(t, chromedp.Click("", byAX("button", "Mute", true)))
	for _, g := range []*videoGuest{ada, bob} {
		g.waitRoster(t, 5*time.Second, "Ada silent", talking(ada, false))
		g.waitRoster(t, 5*time.Second, "Ada muted", muted(ada, true))
	}
	ada.do(t, chromedp.Click("", byAX("button", "Unmute", true)))
	for _, g := range []*videoGuest{ada, bob} {
		got := g.waitRoster(t, 5*time.Second, "Ada talking again", talking(ada, true))
		if !talking(bob, false)(got) {
			t.Errorf("%s shows silent Bob talking: %+v", g.name, got)
		}
		g.waitRoster(t, 5*time.Second, "Ada unmuted", muted(ada, false))
	}

	// A moderator mutes Bob and makes him a presenter: both lists show it.
	if code := srv.apiCall(t, "PATCH", "/api/v1/rooms/1000/participants/"+bob.id,
		map[string]any{"muted": true, "role": "presenter"}, nil); code != 200 {
		t.Fatalf("PATCH participant: status %d", code)
	}
	for _, g := range []*videoGuest{ada, bob} {
		g.waitRoster(t, 5*time.Second, "Bob muted, presenter", func(l []rosterItem) bool {
			return len(l) == 2 && l[1].Muted && l[1].Role == "Presenter" && !l[0].Muted
		})
	}

	// Bob's page follows the moderator's mute (its button offers Unmute),
	// and his unmute reaches the room.
	bob.do(t, chromedp.Click("", byAX("button", "Unmute", true)))
	for _, g := range []*videoGuest{ada, bob} {
		g.waitRoster(t, 5*time.Second, "Bob unmuted", muted(bob, false))
	}

	bob.do(t, chromedp.Click("", byAX("button", "Leave", true)))
	ada.waitRoster(t, 5*time.Second, "Ada alone", func(l []rosterItem) bool { return len(l) == 1 && l[0].ID == ada.id })
}

// rosterItem is one item of a page's participant list as the page shows
// it: the talking indicator's "on" class and its aria-label, the visible
// name, role and muted mark.
type rosterItem struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	Muted     bool   `json:"muted"`
	Talking   bool   `json:"talking"`
	TalkLabel string `json:"talkLabel"`
}

// roster reads the page's participant list.
func (b *browser) roster(t *testing.T) []rosterItem {
	t.Helper()
	raw, _ := b.eval(t, `JSON.stringify([...document.querySelectorAll('#participants li')].map((li) => ({
		id: li.dataset.participant,
		name: li.querySelector('.name').textContent,
		role: li.querySelector('.role').textContent,
		muted: !li.querySelector('.muted-mark').hidden,
		talking: li.querySelector('.talk').classList.contains('on'),
		talkLabel: li.querySelector('.talk').getAttribute('aria-label'),
	})))`).(string)
	var list []rosterItem
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		t.Fatalf("participant list %q: %v", raw, err)
	}
	return list
}

// waitRoster polls the page's participant list until ok holds, and
// returns it; it fails the test after within.
func (b *browser) waitRoster(t *testing.T, within time.Duration, what string, ok func([]rosterItem) bool) []rosterItem {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		list := b.roster(t)
		if ok(list) {
			return list
		}
		if time.Now().After(deadline) {
			b.fail(t, fmt.Errorf("the participant list never showed %s: %+v", what, list))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
