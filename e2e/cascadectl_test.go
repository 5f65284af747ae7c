package e2e

import (
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zaf/g711"
)

// TestClusterCascadeControl: three `parley serve` nodes with
// cluster.sip_routing cascade; a listener calls node 1 (the room's owner),
// a talker (a 1 kHz tone) node 2 and a silent phone node 3. Through node
// 3's API the room is one room: the list has the three callers, each
// once, with the IDs their own nodes gave them ("N@n2" on a cascade node)
// and no link legs, the same list through every node; a moderator's mute
// of node 2's talker through node 3 silences it for node 1's listener
// within a second, and the unmute brings it back within a second; mute
// all through node 3 mutes the callers of every node; node 3's event
// stream names node 2's talker by the same ID (joined, muted); a kick of node 3's
// phone through node 1 ends its call with a BYE. Room 1002 has a quota
// of 2: callers on nodes 1 and 2 join as attendees, the next, on node 3,
// as a spectator (the quota counts the whole room); a promote through
// node 2 is refused at the quota, and once node 1's caller is kicked it
// makes node 3's spectator an attendee. In room 1003 a
// moderator on node 2 mutes all with *3 (the callers on nodes 1 and 3
// are muted too) and ends the conference with *9 (they get their BYE).
func TestClusterCascadeControl(t *testing.T) {
	t.Parallel()
	nodes := startCascadeNodes(t, 53100, "  - number: \"1002\"\n    name: Quota room\n    quota: 2\n",
		"  - number: \"1003\"\n    name: End room\n    pin: \"4321\"\n    moderator_pin: \"9999\"\n")

	events := openEvents(t, nodes[2])
	ear := newRTPPeer(t, map[rune]float64{'T': dialogSippTone})
	startBgSipp(t, "pin_go_media.xml", map[string]string{"@PORT@": fmt.Sprint(ear.port())}, "1000", nodes[0].sipUDP)
	nodes[0].waitLog(t, "call joined", 1, 10*time.Second)
	tone := filepath.Join(t.TempDir(), "tone1k.ulaw")
	if err := os.WriteFile(tone, g711.EncodeUlaw(dialogPCM(dialogSippTone, dialogAmplitude, 30*time.Second)), 0o644); err != nil {
		t.Fatal(err)
	}
	startBgSipp(t, "rtp_stop.xml", map[string]string{"TONE_FILE": tone}, "1000", nodes[1].sipUDP,
		"-mi", "127.0.0.1", "-mp", fmt.Sprint(dialogFreePort(t)))
	silent := startBgSipp(t, "wait_bye.xml", nil, "1000", nodes[2].sipUDP)
	want := map[string]bool{}
	for i, n := range nodes {
		n.waitLog(t, "call joined", 1, 10*time.Second)
		id, _ := n.logged("call joined")[0]["participant"].(string)
		if suffix := fmt.Sprintf("@n%d", i+1); i > 0 && !strings.HasSuffix(id, suffix) {
			t.Errorf("node %d's caller has ID %q, want one ending in %s", i+1, id, suffix)
		}
		want[id] = true
	}
	talkerID, _ := nodes[1].logged("call joined")[0]["participant"].(string)
	phoneID, _ := nodes[2].logged("call joined")[0]["participant"].(string)
	if !ear.waitRun('T', 25, 10*time.Second) {
		t.Fatalf("node 1's listener never heard node 2's talker: %q", ear.heard())
	}

	// The list through each node: the three callers, each once, no link.
	for i, n := range nodes {
		list := n.participants(t, "1000")
		got := map[string]bool{}
		for _, p := range list {
			id, _ := p["id"].(string)
			if got[id] || !want[id] || p["via"] == "cascade" {
				t.Errorf("participants through node %d: %v; want the callers %v, each once", i+1, list, want)
				break
			}
			got[id] = true
		}
		if len(got) != len(want) {
			t.Errorf("participants through node %d: %v; want the callers %v", i+1, list, want)
		}
	}

	// Mute and unmute node 2's talker through node 3.
	for _, step := range []struct {
		muted bool
		hear  rune
	}{{true, '.'}, {false, 'T'}} {
		var p map[string]any
		sent := time.Now()
		if code := nodes[2].apiCall(t, "PATCH", "/api/v1/rooms/1000/participants/"+talkerID, map[string]any{"muted": step.muted}, &p); code != http.StatusOK ||
			p["id"] != talkerID || p["muted"] != step.muted {
			t.Fatalf("muted %v through node 3: %d %v", step.muted, code, p)
		}
		if !ear.waitRun(step.hear, 25, 5*time.Second) {
			t.Fatalf("muted %v through node 3: node 1's listener hears %q", step.muted, ear.heard())
		}
		took := ear.lastRunStart().Sub(sent)
		t.Logf("muted %v through node 3: node 1's listener heard the change %v later", step.muted, took.Round(time.Millisecond))
		if took > time.Second {
			t.Errorf("muted %v through node 3: heard on node 1 %v later, want within 1 s", step.muted, took)
		}
		for _, q := range nodes[1].participants(t, "1000") {
			if q["id"] == talkerID && q["muted"] != step.muted {
				t.Errorf("node 2's talker after muted %v through node 3: %v", step.muted, q)
			}
		}
	}

	// Node 3's event stream names node 2's talker by the list's ID.
	events.find(t, "joined", talkerID, 5*time.Second)
	events.find(t, "muted", talkerID, 5*time.Second)

	// Mute all through node 3: every node's callers.
	var all struct{ Muted []string }
	if code := nodes[2].apiCall(t, "POST", "/api/v1/rooms/1000/mute-all", map[string]any{}, &all); code != http.StatusOK {
		t.Fatalf("mute all through node 3: %d", code)
	}
	if got := slices.Sorted(slices.Values(all.Muted)); !slices.Equal(got, slices.Sorted(maps.Keys(want))) {
		t.Errorf("mute all through node 3 muted %v, want %v", got, slices.Sorted(maps.Keys(want)))
	}
	if !ear.waitRun('.', 25, 5*time.Second) {
		t.Errorf("after mute all, node 1's listener hears %q", ear.heard())
	}
	for _, p := range nodes[0].participants(t, "1000") {
		if p["muted"] != true {
			t.Errorf("after mute all: %v not muted", p)
		}
	}

	// Kick node 3's phone through node 1: its call ends with a BYE.
	if code := nodes[0].apiCall(t, "DELETE", "/api/v1/rooms/1000/participants/"+phoneID, nil, nil); code != http.StatusNoContent {
		t.Fatalf("kick %s through node 1: %d", phoneID, code)
	}
	if err := silent.wait(t, 10*time.Second); err != nil {
		t.Fatalf("node 3's kicked phone did not get its BYE: %v\n%s", err, silent.out.String())
	}
	if code := nodes[0].apiCall(t, "GET", "/api/v1/rooms/1000/participants/"+phoneID, nil, nil); code != http.StatusNotFound {
		t.Errorf("GET the kicked %s through node 1: %d, want 404", phoneID, code)
	}

	// Room 1002's quota counts every node's callers.
	for i, n := range nodes {
		startBgSipp(t, "wait_bye.xml", nil, "1002", n.sipUDP)
		want := "attendee"
		if i == 2 {
			want = "spectator"
		}
		deadline := time.Now().Add(10 * time.Second)
		for len(joinedIn(n, "1002")) == 0 {
			if time.Now().After(deadline) {
				n.dumpLogs(t)
				t.Fatalf("node %d's caller never joined room 1002", i+1)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if got := joinedIn(n, "1002")[0]; got["role"] != want {
			t.Errorf("room 1002 (quota 2): caller %d, on node %d, joined as %v, want %s", i+1, i+1, got["role"], want)
		}
	}
	roles := map[string]int{}
	for _, p := range nodes[1].participants(t, "1002") {
		roles[fmt.Sprint(p["role"])]++
	}
	if roles["attendee"] != 2 || roles["spectator"] != 1 {
		t.Errorf("room 1002's roles through node 2: %v, want 2 attendees and 1 spectator", roles)
	}
	// Promote through node 2: refused at the quota; once node 1's caller
	// is kicked, node 3's spectator becomes an attendee.
	var refusal map[string]any
	if code := nodes[1].apiCall(t, "POST", "/api/v1/rooms/1002/promote", nil, &refusal); code != http.StatusConflict || refusal["field"] != "quota" {
		t.Errorf("promote through node 2 at the quota: %d %v, want 409 for the quota", code, refusal)
	}
	first, _ := joinedIn(nodes[0], "1002")[0]["participant"].(string)
	if code := nodes[1].apiCall(t, "DELETE", "/api/v1/rooms/1002/participants/"+first, nil, nil); code != http.StatusNoContent {
		t.Fatalf("kick %s through node 2: %d", first, code)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(nodes[0].participants(t, "1002")) != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("room 1002 after the kick: %v", nodes[0].participants(t, "1002"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	spectator, _ := joinedIn(nodes[2], "1002")[0]["participant"].(string)
	var promoted map[string]any
	if code := nodes[1].apiCall(t, "POST", "/api/v1/rooms/1002/promote", nil, &promoted); code != http.StatusOK ||
		promoted["id"] != spectator || promoted["role"] != "attendee" {
		t.Errorf("promote through node 2 under the quota: %d %v, want node 3's %s an attendee", code, promoted, spectator)
	}

	// A moderator on node 2 ends room 1003's conference on every node.
	// The callers on nodes 1 and 3 wait for their BYE from 13.8 s and 9.8 s
	// after their INVITE, for 15 s: the moderator's *9 comes about 20 s and
	// 16 s after them (its call starts once theirs have joined).
	var calls []*bgSipp
	for _, i := range []int{0, 2, 1} {
		steps := []sippStep{{pause: 2 * time.Second, dtmf: "4321#"}, {pause: time.Duration(10-2*i) * time.Second}}
		if i == 1 {
			steps = []sippStep{{pause: 2 * time.Second, dtmf: "9999#"}, {pause: 2 * time.Second, dtmf: "*3"},
				{pause: 2 * time.Second, dtmf: "*9"}}
		}
		calls = append(calls, startBgSipp(t, "pin_rfc4733.xml", pinReplace(t, steps, true), "1003", nodes[i].sipUDP,
			"-mi", "127.0.0.1", "-mp", fmt.Sprint(dialogFreePort(t))))
		deadline := time.Now().Add(10 * time.Second)
		for len(joinedIn(nodes[i], "1003")) == 0 {
			if time.Now().After(deadline) {
				nodes[i].dumpLogs(t)
				t.Fatalf("node %d's caller never joined room 1003", i+1)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	for k, i := range []int{0, 2, 1} {
		if err := calls[k].wait(t, 20*time.Second); err != nil {
			nodes[i].dumpLogs(t)
			t.Errorf("room 1003's caller on node %d did not get its BYE when node 2's moderator ended the conference: %v\n%s", i+1, err, calls[k].out.String())
		}
	}
	for i, n := range nodes {
		if got := n.logged("conference ended"); len(got) != 1 {
			t.Errorf("node %d logged the conference's end %d times, want once: %v", i+1, len(got), got)
		}
		if i == 1 {
			continue // the moderator, who stays unmuted
		}
		caller, _ := joinedIn(n, "1003")[0]["participant"].(string)
		var muted []any
		for _, l := range n.logged("participant muted") {
			if l["room"] == "1003" && l["participant"] == caller {
				muted = append(muted, l["muted"])
			}
		}
		if fmt.Sprint(muted) != "[true]" {
			t.Errorf("node %d's caller in room 1003 after the moderator's *3 on node 2: muted %v, want [true]", i+1, muted)
		}
	}
}

// joinedIn returns s's "participant joined" log lines of room.
func joinedIn(s *server, room string) []map[string]any {
	var out []map[string]any
	for _, l := range s.logged("participant joined") {
		if l["room"] == room && l["via"] != "cascade" {
			out = append(out, l)
		}
	}
	return out
}

// find reads the log until an event of type typ for participant, failing
// the test if none comes within.
func (l eventLog) find(t *testing.T, typ, participant string, within time.Duration) {
	t.Helper()
	l.upTo(t, "no "+typ+" event of "+participant, within, func(e map[string]any) bool {
		return e["type"] == typ && e["participant"] == participant
	})
}
