package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/logging"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"
	"github.com/zaf/g711"

	"github.com/parleyhq/parley/media/opus"
	"github.com/parleyhq/parley/webrtc"
)

// The browser legs of Parley: real pion/webrtc PeerConnections (ICE,
// DTLS-SRTP, Opus at 48 kHz with the RFC 6464 audio level) that join a
// room as a browser guest does: through a group link of the room, over the
// join page's WebSocket /join/TOKEN/ws?name=NAME (offer, answer and
// trickled candidates, then "joined").

// loadAdminToken is the admin bearer token of the generated config, with
// which the harness makes the rooms' group links.
const loadAdminToken = "parley-load-admin-token-1b7e0c55"

// guests joins browser legs to one Parley.
type guests struct {
	httpURL string
	api     *pion.API

	mu    sync.Mutex
	links map[int]string // room index → group link token; guarded by mu
}

// newGuests makes the pion API the browser legs share: Opus with the
// audio level extension, the default interceptors (NACK, RTCP reports,
// TWCC) as a browser has, host candidates on loopback only.
func newGuests(httpURL string) (*guests, error) {
	m := &pion.MediaEngine{}
	if err := m.RegisterCodec(pion.RTPCodecParameters{RTPCodecCapability: pion.RTPCodecCapability{
		MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"},
		PayloadType: 111}, pion.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	if err := m.RegisterHeaderExtension(pion.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI}, pion.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	if err := pion.RegisterDefaultInterceptors(m, ir); err != nil {
		return nil, err
	}
	se := pion.SettingEngine{LoggerFactory: &logging.DefaultLoggerFactory{DefaultLogLevel: logging.LogLevelDisabled}}
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]pion.NetworkType{pion.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	return &guests{httpURL: httpURL, links: map[int]string{},
		api: pion.NewAPI(pion.WithMediaEngine(m), pion.WithInterceptorRegistry(ir), pion.WithSettingEngine(se))}, nil
}

// link returns a group link of room for attendees, made on first use
// through the REST API.
func (g *guests) link(ctx context.Context, room int) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t, ok := g.links[room]; ok {
		return t, nil
	}
	body := []byte(`{"kind":"group","role":"attendee","description":"parley-load"}`)
	req, err := http.NewRequestWithContext(ctx, "POST", fmt.Sprintf("%s/api/v1/rooms/%d/links", g.httpURL, roomBase+room), bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+loadAdminToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("group link: %w", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var l struct {
		Token string `json:"token"`
	}
	if res.StatusCode != http.StatusCreated || json.Unmarshal(b, &l) != nil || l.Token == "" {
		return "", fmt.Errorf("group link: %s: %s", res.Status, b)
	}
	g.links[room] = l.Token
	return l.Token, nil
}

// rtcMedia is a joined browser leg's WebRTC side.
type rtcMedia struct {
	pc      *pion.PeerConnection
	ws      *websocket.Conn
	track   *pion.TrackLocalStaticRTP
	levelID atomic.Uint32 // the negotiated audio level extension's ID; 0: none
	levels  []byte        // RFC 6464 level (-dBov) of each of the leg's frames
	wg      sync.WaitGroup
	rtp     rtp.Packet // the sender's goroutine only
}

// join connects l to room as a browser guest named name and returns once
// Parley says "joined".
func (g *guests) join(ctx context.Context, l *leg, room int, name string, levels []byte) (*rtcMedia, error) {
	token, err := g.link(ctx, room)
	if err != nil {
		return nil, err
	}
	u := strings.Replace(g.httpURL, "http://", "ws://", 1) + "/join/" + token + "/ws?name=" + url.QueryEscape(name)
	ws, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		return nil, fmt.Errorf("join WebSocket: %w", err)
	}
	ws.SetReadLimit(-1) // a big room's roster is one large message
	pc, err := g.api.NewPeerConnection(pion.Configuration{})
	if err != nil {
		ws.CloseNow()
		return nil, err
	}
	m := &rtcMedia{pc: pc, ws: ws, levels: levels}
	fail := func(err error) (*rtcMedia, error) {
		m.close()
		return nil, err
	}
	if m.track, err = pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "mic", name); err != nil {
		return fail(err)
	}
	snd, err := pc.AddTrack(m.track)
	if err != nil {
		return fail(err)
	}
	m.goDrain(snd)
	pc.OnICECandidate(func(c *pion.ICECandidate) {
		if c != nil {
			init := c.ToJSON()
			_ = m.send(context.Background(), webrtc.Message{Type: webrtc.TypeCandidate, Candidate: &init})
		}
	})
	pc.OnTrack(func(tr *pion.TrackRemote, _ *pion.RTPReceiver) {
		m.wg.Add(1)
		defer m.wg.Done()
		receiveOpus(l, tr)
	})
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return fail(err)
	}
	if err := pc.SetLocalDescription(offer); err != nil {
		return fail(err)
	}
	if err := m.send(ctx, webrtc.Message{Type: webrtc.TypeOffer, SDP: offer.SDP}); err != nil {
		return fail(err)
	}
	joined := make(chan error, 1)
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		m.signalling(snd, joined)
	}()
	select {
	case err = <-joined:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		return fail(err)
	}
	return m, nil
}

// send writes one signalling message.
func (m *rtcMedia) send(ctx context.Context, msg webrtc.Message) error {
	b, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	return m.ws.Write(ctx, websocket.MessageText, b)
}

// rosterPrefix starts a roster message, which the legs skip unparsed: in a
// room of N guests each is N entries long.
const rosterPrefix = `{"type":"roster"`

// signalling applies Parley's answer and candidates, answers its offers,
// and reports "joined" (nil) or "error"/"ended" on joined, until the
// WebSocket closes.
func (m *rtcMedia) signalling(snd *pion.RTPSender, joined chan<- error) {
	report := func(err error) {
		select {
		case joined <- err:
		default:
		}
	}
	for {
		_, b, err := m.ws.Read(context.Background())
		if err != nil {
			report(fmt.Errorf("join WebSocket: %w", err))
			return
		}
		if len(b) >= len(rosterPrefix) && string(b[:len(rosterPrefix)]) == rosterPrefix {
			continue
		}
		var msg webrtc.Message
		if err := json.Unmarshal(b, &msg); err != nil {
			report(fmt.Errorf("signalling: %w", err))
			return
		}
		switch msg.Type {
		case webrtc.TypeAnswer:
			if err := m.pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: msg.SDP}); err != nil {
				report(fmt.Errorf("answer: %w", err))
				return
			}
			for _, ext := range snd.GetParameters().HeaderExtensions {
				if ext.URI == sdp.AudioLevelURI {
					m.levelID.Store(uint32(ext.ID))
				}
			}
		case webrtc.TypeOffer:
			if err := m.answer(msg.SDP); err != nil {
				report(fmt.Errorf("server offer: %w", err))
				return
			}
		case webrtc.TypeCandidate:
			if msg.Candidate != nil {
				_ = m.pc.AddICECandidate(*msg.Candidate)
			}
		case webrtc.TypeJoined:
			report(nil)
		case webrtc.TypeError, webrtc.TypeEnded:
			report(fmt.Errorf("parley: %s %s%s", msg.Type, msg.Error, msg.Reason))
		}
	}
}

// answer answers one of Parley's offers.
func (m *rtcMedia) answer(offer string) error {
	if err := m.pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeOffer, SDP: offer}); err != nil {
		return err
	}
	ans, err := m.pc.CreateAnswer(nil)
	if err != nil {
		return err
	}
	if err := m.pc.SetLocalDescription(ans); err != nil {
		return err
	}
	return m.send(context.Background(), webrtc.Message{Type: webrtc.TypeAnswer, SDP: ans.SDP})
}

// goDrain reads the RTCP Parley sends about the leg's track, as a
// browser does (the interceptors act on it).
func (m *rtcMedia) goDrain(snd *pion.RTPSender) {
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		buf := make([]byte, 1500)
		for {
			if _, _, err := snd.Read(buf); err != nil {
				return
			}
		}
	}()
}

// next builds l's next Opus packet in buf, with the frame's audio level.
func (m *rtcMedia) next(l *leg, buf []byte) ([]byte, bool) {
	i := l.sent % len(l.frames)
	p := &m.rtp
	p.Header = rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: l.seq, Timestamp: l.ts, SSRC: l.ssrc, Marker: l.sent == 0,
		Extensions: p.Header.Extensions[:0]}
	if id := m.levelID.Load(); id != 0 {
		_ = p.Header.SetExtension(uint8(id), m.levels[i%len(m.levels):i%len(m.levels)+1])
	}
	p.Payload = l.frames[i]
	n, err := p.MarshalTo(buf)
	if err != nil {
		return nil, false
	}
	onset := l.marker && l.sent%framesPerSec == markerGap
	l.seq++
	l.ts += opus.FrameSamples
	l.sent++
	return buf[:n], onset
}

// close leaves: closes the WebSocket and the PeerConnection and waits for
// the leg's goroutines.
func (m *rtcMedia) close() {
	_ = m.ws.Close(websocket.StatusNormalClosure, "")
	_ = m.pc.Close()
	m.wg.Wait()
}

// decimation is the ratio of Opus's 48 kHz to the 8 kHz at which the
// receivers keep time and the probe keeps what it hears.
const decimation = opus.SampleRate / sampleRate

// receiveOpus counts what Parley sends a browser leg; a probe decodes it,
// takes every sixth sample (the tones are far below 4 kHz) and keeps it as
// µ-law at 8 kHz like a phone's.
func receiveOpus(l *leg, tr *pion.TrackRemote) {
	var dec *opus.Decoder
	if l.probe {
		var err error
		if dec, err = opus.NewDecoder(); err != nil {
			return
		}
	}
	pcm := make([]int16, 6*opus.FrameSamples)
	ulaw := make([]byte, frameSamples)
	for {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			return // the PeerConnection closed
		}
		now := time.Now()
		var heard []byte
		if dec != nil {
			if n, err := dec.Decode(pkt.Payload, pcm); err == nil {
				heard = toUlaw8k(pcm[:n], ulaw[:0])
			}
		}
		l.heard(now, pkt.SequenceNumber, pkt.Timestamp, opus.SampleRate, heard)
	}
}

// toUlaw8k appends every sixth sample of 48 kHz pcm to dst as µ-law.
func toUlaw8k(pcm []int16, dst []byte) []byte {
	for i := 0; i < len(pcm); i += decimation {
		dst = append(dst, g711.EncodeUlawFrame(pcm[i]))
	}
	return dst
}

// joinBrowser joins a browser leg to room; the function returned leaves.
func (b *parleyBridge) joinBrowser(ctx context.Context, l *leg, room int) (func(context.Context) error, error) {
	m, err := b.guests.join(ctx, l, room, fmt.Sprintf("Load %x", l.ssrc), l.levels)
	if err != nil {
		return nil, err
	}
	l.rtc = m
	return func(context.Context) error {
		_ = m.send(context.Background(), webrtc.Message{Type: webrtc.TypeLeave})
		return nil
	}, nil
}
