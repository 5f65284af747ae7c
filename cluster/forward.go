package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// This file carries the REST API's live actions on a room to the node that
// owns it: the node a request reaches sends it whole (method, URL,
// headers, body, client address) over NATS request/reply to the owner's
// subject, the owner serves it with its own API handler and replies with
// the response. The owner authenticates and authorises it as if it had
// come to it, so the API's rules stay in one place; NATS carries it, so
// nodes need not reach each other's HTTP listeners.

// forwardSubject is the subject node listens on for forwarded requests.
func forwardSubject(node string) string { return "parley.node." + node + ".http" }

// Limits of a forwarded exchange: NATS's default message cap is 1 MiB.
const (
	maxForwardBody = 256 << 10
	forwardTimeout = 5 * time.Second
)

// liveActions are the room paths, after /api/v1/rooms/NUMBER/, whose
// answer is the owner's live state: what the others cannot answer.
var liveActions = map[string]bool{"participants": true, "mute-all": true, "promote": true, "dial": true}

// liveRoom returns the room of an API path that acts on a room's live
// state.
func liveRoom(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/api/v1/rooms/")
	if !ok {
		return "", false
	}
	room, tail, ok := strings.Cut(rest, "/")
	action, _, _ := strings.Cut(tail, "/")
	return room, ok && room != "" && liveActions[action]
}

// wireRequest is a forwarded HTTP request.
type wireRequest struct {
	Method     string      `json:"method"`
	URL        string      `json:"url"`
	Header     http.Header `json:"header"`
	Body       []byte      `json:"body,omitempty"`
	RemoteAddr string      `json:"remote_addr"`
}

// wireResponse is the owner's answer to a wireRequest.
type wireResponse struct {
	Status int         `json:"status"`
	Header http.Header `json:"header"`
	Body   []byte      `json:"body,omitempty"`
}

// Forward wraps next, this node's API: a request for the live state of a
// room that another node owns (participants, mute, kick, mute-all,
// promote, dial) is served by that node; the rest, and every request
// when the owner cannot be learnt (NATS down), by next.
func (c *Cluster) Forward(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		room, live := liveRoom(r.URL.Path)
		if !live {
			next.ServeHTTP(w, r)
			return
		}
		owner, held, err := c.Owner(room)
		if err != nil || !held || owner.Name == c.opts.Self.Name {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxForwardBody))
		if err != nil {
			http.Error(w, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
			return
		}
		res, err := c.Ask(r.Context(), owner.Name, r, body)
		if err != nil {
			c.log.Warn("cluster: forwarding a request failed", "room", room, "owner", owner.Name, "err", err.Error())
			http.Error(w, "the node that holds room "+room+" ("+owner.Name+") did not answer", http.StatusBadGateway)
			return
		}
		for k, v := range res.Header {
			w.Header()[k] = v
		}
		w.Header().Set("X-Parley-Node", owner.Name)
		w.WriteHeader(res.Status)
		_, _ = w.Write(res.Body)
	})
}

// Answer is a node's answer to a request sent to it with Ask.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Ask has node serve r, whose body is body (r.Body is not read), with
// the handler its Serve set, as Forward does for a room's owner: the
// method, URL, headers and client address travel with it, so node
// authenticates and authorises it as its own. An error means node did
// not answer within 5 s (or NATS is down); a refusal is an Answer.
func (c *Cluster) Ask(ctx context.Context, node string, r *http.Request, body []byte) (Answer, error) {
	if !c.nc.IsConnected() {
		return Answer{}, fmt.Errorf("cluster: ask %s: %w", node, ErrUnreachable)
	}
	data, err := json.Marshal(wireRequest{Method: r.Method, URL: r.URL.RequestURI(), Header: r.Header,
		Body: body, RemoteAddr: r.RemoteAddr})
	if err != nil {
		return Answer{}, fmt.Errorf("cluster: ask %s: %w", node, err)
	}
	ctx, cancel := context.WithTimeout(ctx, forwardTimeout)
	defer cancel()
	msg, err := c.nc.RequestWithContext(ctx, forwardSubject(node), data)
	if err != nil {
		return Answer{}, fmt.Errorf("cluster: ask %s: %w", node, err)
	}
	var res wireResponse
	if err := json.Unmarshal(msg.Data, &res); err != nil {
		return Answer{}, fmt.Errorf("cluster: ask %s: %w", node, err)
	}
	return Answer(res), nil
}

// Serve sets the handler that answers the requests other nodes forward to
// this one (the API, unwrapped by Forward: a request is forwarded once).
// Until it is set they are answered 503.
func (c *Cluster) Serve(h http.Handler) { c.handler.Store(&h) }

// serveForwarded answers a forwarded request on its own goroutine (the
// subscription's own must not wait on a handler).
func (c *Cluster) serveForwarded(m *nats.Msg) {
	go func() {
		res := c.serveWire(m.Data)
		data, err := json.Marshal(res)
		if err == nil {
			err = m.Respond(data)
		}
		if err != nil {
			c.log.Warn("cluster: answering a forwarded request failed", "err", err.Error())
		}
	}()
}

// serveWire serves one wireRequest with the handler set by Serve.
func (c *Cluster) serveWire(data []byte) wireResponse {
	var wr wireRequest
	if err := json.Unmarshal(data, &wr); err != nil {
		return textResponse(http.StatusBadRequest, "bad forwarded request: "+err.Error())
	}
	h := c.handler.Load()
	if h == nil {
		return textResponse(http.StatusServiceUnavailable, "node not serving yet")
	}
	ctx, cancel := context.WithTimeout(context.Background(), forwardTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, wr.Method, wr.URL, bytes.NewReader(wr.Body))
	if err != nil {
		return textResponse(http.StatusBadRequest, "bad forwarded request: "+err.Error())
	}
	req.Header, req.RemoteAddr, req.RequestURI = wr.Header, wr.RemoteAddr, wr.URL
	if req.Header == nil {
		req.Header = http.Header{}
	}
	rec := &recorder{header: http.Header{}}
	(*h).ServeHTTP(rec, req)
	if rec.tooLarge {
		return textResponse(http.StatusBadGateway, "the answer is too large to forward")
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return wireResponse{Status: rec.status, Header: rec.header, Body: rec.body.Bytes()}
}

// textResponse is a plain-text wireResponse.
func textResponse(status int, text string) wireResponse {
	return wireResponse{Status: status, Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, Body: []byte(text + "\n")}
}

// recorder is the http.ResponseWriter a forwarded request is served into.
type recorder struct {
	header   http.Header
	status   int
	body     bytes.Buffer
	tooLarge bool
}

// errTooLarge refuses what would not fit in a NATS reply.
var errTooLarge = errors.New("cluster: forwarded answer too large")

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	if r.body.Len()+len(b) > maxForwardBody {
		r.tooLarge = true
		return 0, errTooLarge
	}
	return r.body.Write(b)
}
