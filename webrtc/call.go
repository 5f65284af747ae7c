package webrtc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/video"
)

// Errors for why Handle ended a call.
var (
	// ErrConnectTimeout means the PeerConnection did not connect within
	// Options.ConnectTimeout.
	ErrConnectTimeout = errors.New("webrtc: not connected in time")
	// ErrConnectionFailed means ICE or DTLS failed, or the PeerConnection
	// closed, during the call.
	ErrConnectionFailed = errors.New("webrtc: connection failed")
	// ErrBadOffer means the browser's offer could not be answered.
	ErrBadOffer = errors.New("webrtc: offer not answered")
)

// flushTimeout bounds how long the last signalling messages (an error, an
// "ended") may take to go out when a call ends.
const flushTimeout = 2 * time.Second

// JoinRequest says who a guest is and where it goes, as the web layer
// decided after checking the guest's link.
type JoinRequest struct {
	// Room is the room number.
	Room string
	// Name is the guest's display name.
	Name string
	// Role is the role to join with (see bridge.ParseRole); empty lets the
	// room decide (its guest role, in a room with an owner or members).
	Role string
	// LinkID is the guest or group link the guest came by; 0 if none.
	LinkID int64
	// Source is how they came, for attendance: guest_link, group_link,
	// browser; empty means browser.
	Source string
	// Email is the guest's email, for attendance, when the link has one.
	Email string
}

// Handle runs one browser guest's call over conn and returns when it ends.
// It sends a "config" message, answers the browser's first offer,
// trickles ICE candidates both ways, forwards the guest's video to the
// other guests of the room and theirs to it (offering the browser each
// change, see renegotiate.go), joins the room once the PeerConnection is
// connected (then sends "joined", a "roster" of the room's participants
// whenever it changes, and a "banner" if the room's quota made the guest a
// spectator) and leaves it when the browser sends "leave", the
// signalling connection ends, the connection fails, ctx is done, or the
// bridge hangs the guest up (then it sends "ended"). A guest the room
// refuses gets an "error" message. Handle runs on the caller's goroutine
// (an HTTP handler's) and may be called concurrently for many guests.
//
// It returns nil when the browser left or Parley hung up, and otherwise
// why the call failed: the room's admission error (bridge.ErrFull,
// bridge.ErrLocked, bridge.ErrUnknownRoom, ...), ErrConnectTimeout,
// ErrConnectionFailed, ErrBadOffer, ErrBadAnswer, a signalling error, or
// ErrClosed.
func (s *Server) Handle(ctx context.Context, conn Signaller, join JoinRequest) (err error) {
	defer func() { s.stats.sessionEnded(err) }()
	c, err := s.newCall(conn, join)
	if err != nil {
		return err
	}
	if err := s.track(c); err != nil {
		return err
	}
	defer s.untrack(c)
	return c.run(ctx)
}

// call is one guest's signalling state machine. Its loop (run) owns the
// PeerConnection and is the only goroutine that changes the call's state;
// pion's callbacks and the room only hand it events.
//
// Which guard protects what: call has no lock of its own. Its first group
// of fields is set by newCall and never changed; the second is shared with
// other goroutines and each guards itself (a type with its own lock, an
// atomic, or the leg's channels); the third belongs to the loop, and what
// of it the media goroutines read (pc, room) is set before any media
// starts and not changed after.
type call struct {
	// Set by newCall, then read-only.
	s    *Server
	join JoinRequest
	log  *slog.Logger

	// Shared; each guards itself.
	leg         *leg                              // the guest as the bridge sees it; its receiver and sender
	sig         *signalQueue                      // the page's messages, both ways (queue.go)
	neg         *negotiation                      // offer/answer with the page (renegotiate.go); the loop's but for setTracks, setCodec
	state       *latest[pion.PeerConnectionState] // pion → loop: the connection state
	audio       atomic.Bool                       // an audio track feeds the receiver; later ones are drained
	participant atomic.Pointer[string]            // the guest's participant ID, once in the room
	pubs        publications                      // the guest's video, by m-line (video.go)
	media       mediaGroup                        // the media goroutines: track and RTCP readers

	// Owned by the loop.
	pc     *pion.PeerConnection
	fwd    *forwards // the video forwarded to the guest (forwards.go), with pc
	room   *bridge.Room
	added  bool                // the audio track is on the PeerConnection
	part   *bridge.Participant // the guest in the room, once joined
	roster *roster             // the page's participant list (roster.go), once joined
}

// newCall builds a call and its leg; it starts nothing.
func (s *Server) newCall(conn Signaller, join JoinRequest) (*call, error) {
	rx, err := newReceiver(&s.stats, s.silence)
	if err != nil {
		return nil, err
	}
	track, err := pion.NewTrackLocalStaticRTP(opusCodec, "audio", "parley")
	if err != nil {
		return nil, fmt.Errorf("webrtc: audio track: %w", err)
	}
	id := s.nextID.Add(1)
	log := s.log.With("room", join.Room, "call", "webrtc-"+strconv.FormatUint(id, 10))
	sig := newSignalQueue(conn, queueSize, log)
	return &call{
		s:     s,
		join:  join,
		log:   log,
		leg:   newLeg(rx, newSender(track, &s.stats)),
		sig:   sig,
		neg:   newNegotiation(sig, s.answerTimeout, log),
		state: newLatest[pion.PeerConnectionState](),
	}, nil
}

// run is the call from start to end; it returns once everything the call
// started has stopped.
func (c *call) run(ctx context.Context) error {
	finish := c.sig.start(ctx, flushTimeout)
	final, err := c.loop(ctx)
	if final != nil {
		c.sig.send(*final)
	}
	c.teardown()
	finish()
	if err != nil {
		c.log.Info("guest call ended", "err", err)
	} else {
		c.log.Info("guest call ended")
	}
	return err
}

// loop acts on signalling, connection state and hang-ups until the call
// must end. It returns the last message for the browser, if any, and the
// error Handle returns.
func (c *call) loop(ctx context.Context) (*Message, error) {
	role, err := bridge.ParseRole(c.join.Role)
	if err != nil {
		return errorMessage("this link's role is not valid"), err
	}
	if c.join.Role == "" {
		role = "" // the room decides
	}
	if c.room, err = c.s.rooms.Room(c.join.Room); err != nil {
		return errorMessage(refusal(err)), err
	}
	if c.pc, err = c.newPeerConnection(); err != nil {
		return errorMessage("the call could not be set up"), err
	}
	c.neg.attach(c.pc, c.fwd)
	c.sig.send(Message{Type: TypeConfig, ICEServers: c.s.iceServers})
	c.log.Info("guest connecting", "name", c.join.Name)

	timeout := time.NewTimer(c.s.connectTimeout)
	defer timeout.Stop()
	for {
		select {
		case in := <-c.sig.recv():
			if in.err != nil {
				return nil, fmt.Errorf("webrtc: signalling: %w", in.err)
			}
			if done, final, err := c.handle(in.msg); done {
				return final, err
			}
		case <-c.state.C():
			switch c.state.get() {
			case pion.PeerConnectionStateConnected:
				if c.part == nil {
					if final, err := c.enter(role); err != nil {
						return final, err
					}
					timeout.Stop()
				}
			case pion.PeerConnectionStateFailed, pion.PeerConnectionStateClosed:
				return errorMessage("the connection was lost"), ErrConnectionFailed
			}
		case <-timeout.C:
			if c.part == nil {
				return errorMessage("the connection could not be established"), ErrConnectTimeout
			}
		case <-c.neg.codecChanged():
			c.neg.askCodec()
		case <-c.neg.tracksChanged():
			c.neg.renegotiate()
		case <-c.neg.answerDue():
			return errorMessage("the browser did not answer a change of the call"), ErrNoAnswer
		case <-c.leg.hangup:
			return &Message{Type: TypeEnded, Reason: c.leg.reason}, nil
		case <-c.sig.failed():
			return nil, fmt.Errorf("webrtc: signalling: %w", c.sig.err())
		case <-ctx.Done():
			return &Message{Type: TypeEnded, Reason: "the server ended the call"}, ctx.Err()
		}
	}
}

// handle acts on one message from the browser; done says the call ends.
func (c *call) handle(m Message) (done bool, final *Message, err error) {
	switch m.Type {
	case TypeOffer:
		if err := c.neg.onOffer(m.SDP, c.prepareAnswer); err != nil {
			return true, errorMessage("the browser's offer could not be answered"), err
		}
	case TypeAnswer:
		if err := c.neg.onAnswer(m.SDP); err != nil {
			return true, errorMessage("the browser's answer could not be applied"), err
		}
	case TypeCandidate:
		if m.Candidate != nil && m.Candidate.Candidate != "" {
			if err := c.pc.AddICECandidate(*m.Candidate); err != nil {
				c.log.Debug("ice candidate refused", "err", err)
			}
		}
	case TypeLeave:
		return true, nil, nil
	case TypeMute:
		if c.part != nil && m.Muted != nil && *m.Muted != c.part.Muted() {
			c.part.SetMuted(*m.Muted)
		}
	default:
		c.log.Debug("signalling message ignored", "type", m.Type)
	}
	return false, nil, nil
}

// newPeerConnection makes the guest's PeerConnection, takes the estimator
// of the guest's bandwidth that pion made with it, and hooks pion's
// callbacks to the loop.
func (c *call) newPeerConnection() (*pion.PeerConnection, error) {
	pc, err := c.s.api.NewPeerConnection(pion.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("webrtc: peer connection: %w", err)
	}
	c.fwd = newForwards(c, &downlink{bwe: c.s.estimators.take(pc.ID())})
	// pion runs these on its own goroutines; none of them blocks.
	pc.OnICECandidate(func(cand *pion.ICECandidate) {
		if cand == nil {
			return // gathering is complete
		}
		init := cand.ToJSON()
		c.sig.sendCandidate(Message{Type: TypeCandidate, Candidate: &init})
	})
	pc.OnConnectionStateChange(c.state.set)
	pc.OnTrack(c.onTrack)
	return pc, nil
}

// prepareAnswer readies the PeerConnection to answer an offer (the
// first, or one the browser should not have made), once negotiation has
// set it: the browser's video m-line, if any, is accepted as sent, with
// codec first (the room's choice if codec is empty), and its camera's
// video comes in on it (onVideo); forwarded video goes out on m-lines of
// the server's own offers. The first answer adds the track the room's
// audio goes out on. It returns the codec put first.
func (c *call) prepareAnswer(codec string) (string, error) {
	if codec == "" {
		codec = c.room.Video().SendCodec().MimeType
	}
	preferCodec(c.pc, codec)
	if !c.added {
		snd, err := c.pc.AddTrack(c.leg.tx.track)
		if err != nil {
			return "", err
		}
		c.added = true
		c.goMedia(func() { drainRTCP(snd) })
	}
	return codec, nil
}

// enter joins the room, once the guest is connected.
func (c *call) enter(role bridge.Role) (*Message, error) {
	source, address := c.join.Source, ""
	if source == "" {
		source = "browser"
	}
	if c.join.LinkID != 0 {
		address = strconv.FormatInt(c.join.LinkID, 10)
	}
	p, err := c.room.Join(c.leg, bridge.JoinOptions{Name: c.join.Name, Role: role, Via: "webrtc",
		Source: source, Address: address, LinkID: c.join.LinkID, Email: c.join.Email})
	if err != nil {
		return errorMessage(refusal(err)), err
	}
	c.part = p
	c.neg.start()
	c.sig.send(Message{Type: TypeJoined, Participant: p.ID})
	c.roster = c.startRoster(p.ID)
	c.participant.Store(&p.ID)
	c.room.Video().Subscribe(c, p.ID, video.Everyone, receivable(c.pc.RemoteDescription()))
	if p.OverQuota {
		c.sig.send(Message{Type: TypeBanner, Text: "The room is full: you are joining as a listener."})
	}
	return nil, nil
}

// refusal is what a guest reads when the bridge does not let it in.
func refusal(err error) string {
	switch {
	case errors.Is(err, bridge.ErrFull):
		return "the room is full"
	case errors.Is(err, bridge.ErrLocked):
		return "the room is locked"
	case errors.Is(err, bridge.ErrUnknownRoom):
		return "this room does not exist"
	case errors.Is(err, bridge.ErrClosed):
		return "the conference service is shutting down"
	}
	return "the room could not be joined"
}

func errorMessage(text string) *Message { return &Message{Type: TypeError, Error: text} }

// teardown ends the call's roster, negotiation and media: the room lets
// the guest go, the PeerConnection closes (which ends the track readers)
// and the media goroutines are waited for. The signalling queue is closed
// after the messages already in it.
func (c *call) teardown() {
	c.roster.close()
	if c.room != nil {
		c.room.Video().Unsubscribe(c)
	}
	c.neg.close()
	c.fwd.close()
	c.leg.end()
	c.sig.close()
	c.media.close()
	if c.pc != nil {
		if err := c.pc.GracefulClose(); err != nil {
			c.log.Debug("peer connection close", "err", err)
		}
	}
	c.media.wait()
}
