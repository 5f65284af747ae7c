package main

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"text/template"
	"time"
)

// Janus under test: Debian's janus with its AudioBridge plugin, every leg
// a plain-RTP participant in PCMU, joined through the HTTP API.

//go:embed janus/*.jcfg
var janusConfigs embed.FS

// janusRoomBase is the AudioBridge room ID of room 0.
const janusRoomBase = 7000

// janusBridge is a running Janus and the HTTP API session that drives it.
type janusBridge struct {
	p       *proc
	url     string // the session's URL, http://…/janus/SESSION
	http    *http.Client
	txn     atomic.Int64
	stopped chan struct{}
	polled  chan struct{} // closed when the long poll returns
	events  atomic.Int64  // events the long poll received

	mu      sync.Mutex
	waiting map[string]chan janusMsg // by transaction; guarded by mu
	pollErr error                    // guarded by mu
}

// janusMsg is the part of a Janus API message the harness reads.
type janusMsg struct {
	Janus       string `json:"janus"`
	Transaction string `json:"transaction"`
	Data        struct {
		ID int64 `json:"id"`
	} `json:"data"`
	Error *struct {
		Code   int    `json:"code"`
		Reason string `json:"reason"`
	} `json:"error"`
	PluginData struct {
		Data json.RawMessage `json:"data"`
	} `json:"plugindata"`
}

// janusLib finds Janus's plugin directory of this machine's Debian
// package (/usr/lib/<triplet>/janus).
func janusLib() (string, error) {
	m, _ := filepath.Glob("/usr/lib/*/janus/plugins/libjanus_audiobridge.so")
	if len(m) == 0 {
		return "", errors.New("janus: no libjanus_audiobridge.so under /usr/lib/*/janus/plugins (is Debian's janus installed?)")
	}
	return filepath.Dir(filepath.Dir(m[0])), nil
}

// startJanus writes the configuration into dir, starts bin on core and
// opens an API session once the HTTP API answers; then it creates rooms
// AudioBridge rooms at 8 kHz that take plain-RTP participants.
func startJanus(ctx context.Context, bin, dir string, core, rooms, legs, rtpBase int) (*janusBridge, error) {
	lib, err := janusLib()
	if err != nil {
		return nil, err
	}
	httpPort, err := freePort("tcp")
	if err != nil {
		return nil, err
	}
	vars := map[string]any{"Dir": dir, "Lib": lib, "HTTPPort": httpPort,
		"RTPPorts":    fmt.Sprintf("%d-%d", rtpBase, rtpBase+2*legs+100),
		"WebRTCPorts": fmt.Sprintf("%d-%d", rtpBase+2*legs+200, rtpBase+2*legs+300)}
	if err := writeJanusConfigs(dir, vars); err != nil {
		return nil, err
	}
	p, err := startPinned(dir, "janus", core, nil, bin, "-F", dir, "-C", filepath.Join(dir, "janus.jcfg"), "-o")
	if err != nil {
		return nil, err
	}
	b := &janusBridge{p: p, http: &http.Client{Timeout: 30 * time.Second}, stopped: make(chan struct{}),
		polled: make(chan struct{}), waiting: map[string]chan janusMsg{}}
	base := fmt.Sprintf("http://127.0.0.1:%d/janus", httpPort)
	var session janusMsg
	err = p.waitFor(defaultReadyTimeout, func() error {
		session, err = b.post(base, map[string]any{"janus": "create"})
		return err
	})
	if err != nil {
		p.stop()
		return nil, fmt.Errorf("janus: %w; see %s", err, filepath.Join(dir, "janus.log"))
	}
	b.url = fmt.Sprintf("%s/%d", base, session.Data.ID)
	go b.poll()
	h, err := b.attach()
	if err != nil {
		b.stop()
		return nil, err
	}
	for i := range rooms {
		if _, err := b.request(ctx, h, map[string]any{"request": "create", "room": janusRoomBase + i,
			"sampling_rate": 8000, "allow_rtp_participants": true, "audiolevel_event": false}, false); err != nil {
			b.stop()
			return nil, fmt.Errorf("janus: creating room %d: %w", janusRoomBase+i, err)
		}
	}
	return b, nil
}

// writeJanusConfigs fills the embedded configuration files into dir.
func writeJanusConfigs(dir string, vars map[string]any) error {
	files, err := janusConfigs.ReadDir("janus")
	if err != nil {
		return err
	}
	for _, f := range files {
		t, err := template.ParseFS(janusConfigs, "janus/"+f.Name())
		if err != nil {
			return fmt.Errorf("janus config %s: %w", f.Name(), err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, vars); err != nil {
			return fmt.Errorf("janus config %s: %w", f.Name(), err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name()), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// post sends one API request and returns Janus's immediate answer (an
// error answer as an error).
func (b *janusBridge) post(url string, body map[string]any) (janusMsg, error) {
	if _, ok := body["transaction"]; !ok {
		body["transaction"] = fmt.Sprint(b.txn.Add(1))
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return janusMsg{}, err
	}
	res, err := b.http.Post(url, "application/json", bytes.NewReader(raw))
	if err != nil {
		return janusMsg{}, err
	}
	defer res.Body.Close()
	var m janusMsg
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		return m, fmt.Errorf("janus %s: %w", body["janus"], err)
	}
	if m.Error != nil {
		return m, fmt.Errorf("janus %s: %d %s", body["janus"], m.Error.Code, m.Error.Reason)
	}
	return m, nil
}

// attach makes a handle on the AudioBridge plugin: one per participant.
func (b *janusBridge) attach() (int64, error) {
	m, err := b.post(b.url, map[string]any{"janus": "attach", "plugin": "janus.plugin.audiobridge"})
	if err != nil {
		return 0, err
	}
	return m.Data.ID, nil
}

// request sends a message to the plugin on handle h and returns the
// plugin's data: the immediate answer's, or with async the event that
// follows the ack.
func (b *janusBridge) request(ctx context.Context, h int64, body map[string]any, async bool) (json.RawMessage, error) {
	txn := fmt.Sprint(b.txn.Add(1))
	var ch chan janusMsg
	if async {
		ch = make(chan janusMsg, 1)
		b.mu.Lock()
		b.waiting[txn] = ch
		b.mu.Unlock()
		defer func() {
			b.mu.Lock()
			delete(b.waiting, txn)
			b.mu.Unlock()
		}()
	}
	m, err := b.post(fmt.Sprintf("%s/%d", b.url, h), map[string]any{"janus": "message", "transaction": txn, "body": body})
	if err != nil {
		return nil, err
	}
	if async && m.Janus == "ack" {
		select {
		case m = <-ch:
		case <-b.polled:
			b.mu.Lock()
			defer b.mu.Unlock()
			return nil, fmt.Errorf("janus: event loop ended: %w", b.pollErr)
		case <-ctx.Done():
			return nil, fmt.Errorf("janus: no answer to %s: %w", body["request"], ctx.Err())
		}
	}
	if err := pluginError(m.PluginData.Data); err != nil {
		return nil, err
	}
	return m.PluginData.Data, nil
}

// pluginError is the AudioBridge's error in data, if any.
func pluginError(data json.RawMessage) error {
	var e struct {
		Code  int    `json:"error_code"`
		Error string `json:"error"`
	}
	if len(data) == 0 {
		return errors.New("janus: no plugin data in the answer")
	}
	if json.Unmarshal(data, &e) == nil && e.Code != 0 {
		return fmt.Errorf("audiobridge: %d %s", e.Code, e.Error)
	}
	return nil
}

// poll long-polls the session's events and hands each to the request
// waiting for its transaction, until the bridge stops.
func (b *janusBridge) poll() {
	defer close(b.polled)
	for {
		res, err := b.http.Get(b.url + "?maxev=50")
		if err == nil {
			var ms []janusMsg
			err = json.NewDecoder(res.Body).Decode(&ms)
			res.Body.Close()
			b.events.Add(int64(len(ms)))
			for _, m := range ms {
				b.mu.Lock()
				if ch, ok := b.waiting[m.Transaction]; ok && m.Janus == "event" {
					ch <- m
				}
				b.mu.Unlock()
			}
		}
		select {
		case <-b.stopped:
			return
		default:
		}
		if err != nil {
			b.mu.Lock()
			b.pollErr = err
			b.mu.Unlock()
			return
		}
	}
}

// settle waits until Janus has sent no event for 2 s: each join makes it
// tell every other participant of the room, N² events in all, which must
// be over before the window (at most a minute).
func (b *janusBridge) settle(ctx context.Context) error {
	last, quiet := b.events.Load(), time.Now()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		if err := sleep(ctx, 250*time.Millisecond); err != nil {
			return err
		}
		if n := b.events.Load(); n != last {
			last, quiet = n, time.Now()
		} else if time.Since(quiet) >= 2*time.Second {
			return nil
		}
	}
	return errors.New("janus: still sending events a minute after the last join")
}

func (b *janusBridge) name() string { return "Janus" }
func (b *janusBridge) pid() int     { return b.p.pid() }

// join attaches a handle and joins it to room as a plain-RTP participant
// in PCMU whose RTP goes to the leg's port; the leg sends to the address
// Janus answers.
func (b *janusBridge) join(ctx context.Context, l *leg, room int) (func(context.Context) error, error) {
	h, err := b.attach()
	if err != nil {
		return nil, err
	}
	data, err := b.request(ctx, h, map[string]any{"request": "join", "room": janusRoomBase + room,
		"display": fmt.Sprintf("leg %d", l.ssrc), "codec": "pcmu",
		"rtp": map[string]any{"ip": "127.0.0.1", "port": l.port(), "payload_type": 0}}, true)
	if err != nil {
		return nil, err
	}
	var joined struct {
		AudioBridge string `json:"audiobridge"`
		RTP         struct {
			IP   string `json:"ip"`
			Port int    `json:"port"`
		} `json:"rtp"`
	}
	if err := json.Unmarshal(data, &joined); err != nil || joined.AudioBridge != "joined" || joined.RTP.Port == 0 {
		return nil, fmt.Errorf("audiobridge: join answered without an RTP address: %s", data)
	}
	ip := net.ParseIP(joined.RTP.IP)
	if ip == nil {
		return nil, fmt.Errorf("audiobridge: join answered RTP address %q", joined.RTP.IP)
	}
	l.remote = &net.UDPAddr{IP: ip, Port: joined.RTP.Port}
	return func(ctx context.Context) error {
		_, err := b.request(ctx, h, map[string]any{"request": "leave"}, true)
		return err
	}, nil
}

// ticks: Janus exposes no mixer tick statistics.
func (b *janusBridge) ticks() (tickSnapshot, bool, error) { return tickSnapshot{}, false, nil }

// ended: plain-RTP participants are never hung up by Janus.
func (b *janusBridge) ended() int { return 0 }

// stop destroys the session and stops the process.
func (b *janusBridge) stop() error {
	select {
	case <-b.stopped:
	default:
		close(b.stopped)
	}
	return b.p.stop()
}
