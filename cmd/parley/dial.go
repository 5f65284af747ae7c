package main

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/parleyhq/parley/api"
	"github.com/parleyhq/parley/bridge"
)

// pollInterval is how often `parley dial --wait` asks how the call stands.
const pollInterval = 250 * time.Millisecond

// dialCmd is `parley dial ROOM TARGET [--role R] [--caller-id N]
// [--ring-timeout S] [--wait]`. It exits 0 when the call was placed (with
// --wait: answered), 1 when it was refused or not answered, 2 on bad usage.
func dialCmd(fs *flag.FlagSet) action {
	af := addAPIFlags(fs)
	role := fs.String("role", "", "`ROLE` the callee joins with: owner, moderator, presenter, attendee (default) or spectator")
	callerID := fs.String("caller-id", "", "caller `NUMBER` to present instead of the room's or trunk's")
	ring := fs.Duration("ring-timeout", 0, "how long the call rings, e.g. 30s (default: the bridge's, 45s)")
	wait := fs.Bool("wait", false, "wait until the call is answered or fails; exit 1 unless answered")
	return func(pos []string, stdout, stderr io.Writer) int {
		if len(pos) != 2 {
			return exitUsage
		}
		req := api.DialRequest{To: pos[1], Role: *role, CallerID: *callerID, RingTimeout: ring.Seconds()}
		return dial(af, pos[0], req, *ring, *wait, stdout, stderr)
	}
}

// dial places the call req into room, and with wait follows it until it
// is answered or fails, at most ring (the bridge's default when 0) and a
// margin.
func dial(af *apiFlags, room string, req api.DialRequest, ring time.Duration, wait bool, stdout, stderr io.Writer) int {
	c := af.client()
	var resp api.DialResponse
	if err := c.do("POST", "/rooms/"+url.PathEscape(room)+"/dial", req, &resp); err != nil {
		printAPIError(stderr, err)
		return 1
	}
	if !af.json {
		fmt.Fprintf(stdout, "dialling %s into room %s as participant %s\n", req.To, room, resp.ParticipantID)
		fmt.Fprintf(stdout, "  %s\n", describeRoute(resp.Route))
	}
	if !wait {
		if af.json {
			writeJSON(stdout, resp)
		}
		return 0
	}

	limit := ring
	if limit <= 0 {
		limit = bridge.DefaultRingTimeout
	}
	deadline := time.Now().Add(limit + 15*time.Second) // the bridge ends the ringing; this is a safety net
	path := "/rooms/" + url.PathEscape(room) + "/participants/" + url.PathEscape(resp.ParticipantID)
	var p api.Participant
	for {
		if err := c.do("GET", path, nil, &p); err != nil {
			printAPIError(stderr, err)
			return 1
		}
		if p.Status != string(bridge.DialRinging) {
			break
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(stderr, "parley: participant %s still ringing after %v; giving up waiting\n", resp.ParticipantID, limit)
			return 1
		}
		time.Sleep(pollInterval)
	}
	resp.Status, resp.Code, resp.Reason = p.Status, p.Code, p.Reason
	if af.json {
		writeJSON(stdout, resp)
	} else {
		fmt.Fprintf(stdout, "participant %s: %s\n", resp.ParticipantID, describeOutcome(p))
	}
	if p.Status != string(bridge.DialAnswered) {
		return 1
	}
	return 0
}

// describeRoute says in one line how a call goes.
func describeRoute(r api.RouteInfo) string {
	s := "via " + r.Via
	if r.Trunk != "" {
		s += " " + r.Trunk
	}
	s += ": " + r.Destination
	if r.CallerID != "" {
		s += ", caller ID " + r.CallerID
	} else {
		s += ", no caller ID"
	}
	return s
}

// describeOutcome says how a call out stands: "busy (486 Busy Here)".
func describeOutcome(p api.Participant) string {
	switch {
	case p.Status == "":
		return "in the room"
	case p.Code != 0 && p.Reason != "":
		return fmt.Sprintf("%s (%d %s)", p.Status, p.Code, p.Reason)
	case p.Code != 0:
		return fmt.Sprintf("%s (%d)", p.Status, p.Code)
	case p.Reason != "":
		return fmt.Sprintf("%s (%s)", p.Status, p.Reason)
	}
	return p.Status
}
