package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"

	"github.com/parleyhq/parley/api"
	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/cluster"
)

// This file makes a room that spans nodes (cluster.sip_routing: cascade)
// one room for control. A node that cascades a room gives its callers
// IDs that end in "@NODE" (bridge.Room.SetIDSuffix), so every caller's ID
// is unique over the room's nodes and names the node that holds it. The
// room's owner, which every node's API forwards the room's live requests
// to (cluster.Forward), then:
//
//   - lists the room's participants as its own and, asked over NATS
//     (cluster.Ask), those of every node linked to the room here, in
//     place of the link legs; a node that does not answer keeps its link
//     leg in the list, marked unanswered, and is named in the
//     X-Parley-Unanswered header;
//   - sends a request on one participant (GET, PATCH: mute, role; DELETE:
//     kick) whose ID names another node to that node, whose API serves it
//     as its own: the same checks, errors and events;
//   - mutes all on every linked node as well as here;
//   - promotes its own longest waiting spectator or, with none here, the
//     first linked node's that has one (each counts the quota over the
//     whole room: bridge.Room.ActiveElsewhere).
//
// The request travels whole with its credentials, so each node
// authenticates and authorises it as its own.

// unansweredHeader names the linked nodes that did not answer a request
// the owner sent them for a room-wide answer.
const unansweredHeader = "X-Parley-Unanswered"

// maxControlBody bounds the body of a request passed on to another node.
const maxControlBody = 64 << 10

// cascadeControl wraps next, this node's API as it serves both its own
// requests and those other nodes forward here, with the room-wide control
// of cascaded rooms; it passes every request through while the node does
// not cascade (router has no cascades).
func cascadeControl(next http.Handler, c *cluster.Cluster, router *clusterRouter) http.Handler {
	self := c.Self().Name
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := router.cascade.Load()
		room, action, id := controlPath(r.URL.Path)
		switch {
		case k == nil || room == "":
			next.ServeHTTP(w, r)
		case action == "participants" && id != "":
			if node := idNode(id); node != "" && node != self {
				relay(w, r, c, node)
				return
			}
			next.ServeHTTP(w, r)
		case action == "participants" && r.Method == http.MethodGet && len(k.linkedNodes(room)) > 0:
			listRoomWide(w, r, c, next, k.linkedNodes(room))
		case action == "mute-all" && r.Method == http.MethodPost && len(k.linkedNodes(room)) > 0:
			muteAllRoomWide(w, r, c, next, self, k.linkedNodes(room))
		case action == "promote" && r.Method == http.MethodPost && len(k.linkedNodes(room)) > 0:
			promoteRoomWide(w, r, c, next, k.linkedNodes(room))
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// controlPath splits /api/v1/rooms/ROOM/ACTION[/ID]; room is empty for
// any other path.
func controlPath(path string) (room, action, id string) {
	rest, ok := strings.CutPrefix(path, "/api/v1/rooms/")
	if !ok {
		return "", "", ""
	}
	parts := strings.Split(rest, "/")
	switch {
	case len(parts) == 2 && parts[0] != "":
		return parts[0], parts[1], ""
	case len(parts) == 3 && parts[0] != "" && parts[2] != "":
		return parts[0], parts[1], parts[2]
	}
	return "", "", ""
}

// idNode is the node a participant ID names ("node2" for "7@node2"), or
// "" for a plain ID.
func idNode(id string) string {
	_, node, _ := strings.Cut(id, "@")
	return node
}

// relay has node serve r and writes its answer.
func relay(w http.ResponseWriter, r *http.Request, c *cluster.Cluster, node string) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxControlBody))
	if err != nil {
		writeControlError(w, http.StatusRequestEntityTooLarge, "request body too large or unreadable")
		return
	}
	res, err := c.Ask(r.Context(), node, r, body)
	if err != nil {
		writeControlError(w, http.StatusBadGateway, "node "+node+", which holds the participant, did not answer: "+err.Error())
		return
	}
	for k, v := range res.Header {
		w.Header()[k] = v
	}
	w.Header().Set("X-Parley-Node", node)
	w.WriteHeader(res.Status)
	_, _ = w.Write(res.Body)
}

// askAll has each of nodes serve r with body, at once, and returns their
// answers by node; a node that did not answer has its error instead.
func askAll(r *http.Request, c *cluster.Cluster, nodes []string, body func(node string) []byte) (map[string]cluster.Answer, map[string]error) {
	answers, errs := make(map[string]cluster.Answer), make(map[string]error)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Go(func() {
			res, err := c.Ask(r.Context(), n, r, body(n))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[n] = err
			} else {
				answers[n] = res
			}
		})
	}
	wg.Wait()
	return answers, errs
}

// listRoomWide serves GET …/participants on a room's owner: its own
// participants, then those of each linked node in place of its link leg.
func listRoomWide(w http.ResponseWriter, r *http.Request, c *cluster.Cluster, next http.Handler, nodes []string) {
	here := httptest.NewRecorder()
	next.ServeHTTP(here, r)
	var list []api.Participant
	if here.Code != http.StatusOK || json.Unmarshal(here.Body.Bytes(), &list) != nil {
		copyRecorded(w, here) // refused here (credentials, unknown room): refused
		return
	}
	answers, errs := askAll(r, c, nodes, func(string) []byte { return nil })
	missing := make(map[string]string)
	for _, n := range nodes {
		var theirs []api.Participant
		res, ok := answers[n]
		switch {
		case !ok:
			missing[n] = errs[n].Error()
		case res.Status != http.StatusOK || json.Unmarshal(res.Body, &theirs) != nil:
			missing[n] = "answered " + http.StatusText(res.Status)
		}
		for _, p := range theirs {
			if p.Via != bridge.ViaCascade { // its link to this node
				list = append(list, p)
			}
		}
	}
	out := list[:0]
	for _, p := range list {
		node, isLink := strings.CutPrefix(p.Name, "cascade ")
		if p.Via == bridge.ViaCascade && isLink {
			why, unanswered := missing[node]
			if !unanswered {
				continue // its callers are listed instead
			}
			p.Status, p.Reason = "unanswered", "node "+node+" did not list its callers: "+why
		}
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(a, b api.Participant) int {
		return cmp.Or(cmp.Compare(idNode(a.ID), idNode(b.ID)), cmp.Compare(leadingNumber(a.ID), leadingNumber(b.ID)))
	})
	if len(missing) > 0 {
		w.Header().Set(unansweredHeader, strings.Join(slices.Sorted(maps.Keys(missing)), ","))
	}
	writeJSONTo(w, http.StatusOK, out)
}

// muteAllRoomWide serves POST …/mute-all on a room's owner: here and on
// every linked node, each sparing the request's except only if it holds
// it. A node that does not answer makes the answer 502, naming it (the
// others are muted).
func muteAllRoomWide(w http.ResponseWriter, r *http.Request, c *cluster.Cluster, next http.Handler, self string, nodes []string) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxControlBody))
	var req api.MuteAllRequest
	if err == nil && len(bytes.TrimSpace(raw)) > 0 {
		err = json.Unmarshal(raw, &req)
	}
	if err != nil {
		writeControlError(w, http.StatusBadRequest, "bad mute-all request: "+err.Error())
		return
	}
	bodyFor := func(node string) []byte {
		except := req.Except
		if holder := idNode(except); holder != node && (holder != "" || node != self) {
			except = ""
		}
		data, _ := json.Marshal(api.MuteAllRequest{Except: except})
		return data
	}
	here := httptest.NewRecorder()
	local := r.Clone(r.Context())
	local.Body = io.NopCloser(bytes.NewReader(bodyFor(self)))
	local.ContentLength = -1
	next.ServeHTTP(here, local)
	var out api.MuteAllResponse
	if here.Code != http.StatusOK || json.Unmarshal(here.Body.Bytes(), &out) != nil {
		copyRecorded(w, here)
		return
	}
	answers, errs := askAll(r, c, nodes, bodyFor)
	var failed []string
	for _, n := range nodes {
		var theirs api.MuteAllResponse
		res, ok := answers[n]
		switch {
		case !ok:
			failed = append(failed, n+" ("+errs[n].Error()+")")
		case res.Status != http.StatusOK || json.Unmarshal(res.Body, &theirs) != nil:
			failed = append(failed, n+" (answered "+http.StatusText(res.Status)+")")
		}
		out.Muted = append(out.Muted, theirs.Muted...)
	}
	if len(failed) > 0 {
		writeControlError(w, http.StatusBadGateway, "muted "+strings.Join(out.Muted, ",")+"; not muted on "+strings.Join(failed, ", "))
		return
	}
	writeJSONTo(w, http.StatusOK, out)
}

// promoteRoomWide serves POST …/promote on a room's owner: here, else,
// while nobody here waits, on each linked node in turn until one
// promotes or says the room is at its quota.
func promoteRoomWide(w http.ResponseWriter, r *http.Request, c *cluster.Cluster, next http.Handler, nodes []string) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxControlBody))
	if err != nil {
		writeControlError(w, http.StatusRequestEntityTooLarge, "request body too large or unreadable")
		return
	}
	here := httptest.NewRecorder()
	local := r.Clone(r.Context())
	local.Body = io.NopCloser(bytes.NewReader(body))
	next.ServeHTTP(here, local)
	if !nobodyWaits(here.Code, here.Body.Bytes()) {
		copyRecorded(w, here)
		return
	}
	for _, n := range nodes {
		res, err := c.Ask(r.Context(), n, r, body)
		if err != nil || nobodyWaits(res.Status, res.Body) {
			continue // a node that does not answer promotes nobody
		}
		for k, v := range res.Header {
			w.Header()[k] = v
		}
		w.Header().Set("X-Parley-Node", n)
		w.WriteHeader(res.Status)
		_, _ = w.Write(res.Body)
		return
	}
	copyRecorded(w, here)
}

// nobodyWaits reports whether a promote's answer is the 409 of a node
// where no spectator waits (field "number"; the quota's is "quota").
func nobodyWaits(status int, body []byte) bool {
	var e api.Error
	return status == http.StatusConflict && json.Unmarshal(body, &e) == nil && e.Field == "number"
}

// leadingNumber orders IDs by the number they start with.
func leadingNumber(id string) int {
	n := 0
	for _, ch := range id {
		if ch < '0' || ch > '9' {
			break
		}
		n = n*10 + int(ch-'0')
	}
	return n
}

// copyRecorded writes what next answered into rec.
func copyRecorded(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// writeJSONTo writes v as JSON with status.
func writeJSONTo(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeControlError writes an error as the API does ({"error": ...}).
func writeControlError(w http.ResponseWriter, status int, msg string) {
	writeJSONTo(w, status, api.Error{Message: msg})
}
