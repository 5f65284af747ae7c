package sip

import (
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// RTPStats are RTP counters summed over a set of media streams, for
// metrics.
type RTPStats struct {
	// Streams is how many streams were summed: for Server.RTPStats, the
	// live calls that have media.
	Streams int
	// PacketsIn counts the RTP packets received and accepted (from the
	// latched source).
	PacketsIn uint64
	// PacketsOut counts the RTP packets sent.
	PacketsOut uint64
	// PacketsLost counts the packets the jitter buffers found missing at
	// playout, each of which was concealed.
	PacketsLost uint64
	// PacketsIgnored counts the RTP packets dropped because they came from
	// an address the source rule does not accept (media.Latch): hijack
	// attempts, scans, or a peer whose media comes from an unsignalled IP.
	PacketsIgnored uint64
	// PacketsWithheld counts the packets not sent because no address was
	// verified yet: reflection attempts, or a peer silent until it hears us.
	PacketsWithheld uint64
	// JitterDelaySum is the sum of the streams' current jitter-buffer
	// playout delays; divided by Streams it is their mean.
	JitterDelaySum time.Duration
	// JitterDelayMax is the largest of the streams' current jitter-buffer
	// playout delays.
	JitterDelayMax time.Duration
	// Quality is the RTCP call quality of one ended stream (the hook for
	// ended media), nil otherwise and without RTCP; Add ignores it.
	Quality *LegQuality
}

// Add adds o's counters to s: the sums add up and the maximum is kept.
func (s *RTPStats) Add(o RTPStats) {
	s.Streams += o.Streams
	s.PacketsIn += o.PacketsIn
	s.PacketsOut += o.PacketsOut
	s.PacketsLost += o.PacketsLost
	s.PacketsIgnored += o.PacketsIgnored
	s.PacketsWithheld += o.PacketsWithheld
	s.JitterDelaySum += o.JitterDelaySum
	s.JitterDelayMax = max(s.JitterDelayMax, o.JitterDelayMax)
}

// RTPStats sums the RTP counters of the server's live calls. Calls that
// have ended, and streams a re-INVITE replaced, are no longer counted: a
// caller that wants counters that never go back adds what the streams had
// when they ended (see rtpStatsOf). It may be called from any goroutine;
// it holds the server's lock only to copy the list of calls and reads each
// stream's counters (atomics, and the jitter buffer's lock for a moment)
// after letting go of it.
func (s *Server) RTPStats() RTPStats {
	s.mu.Lock()
	calls := make([]*call, 0, len(s.calls))
	for _, c := range s.calls {
		calls = append(calls, c)
	}
	s.mu.Unlock()
	var sum RTPStats
	for _, c := range calls {
		sum.Add(rtpStatsOf(c.media.Load()))
	}
	return sum
}

// rtpStatsOf returns the counters of one stream (Streams is 1), or zero
// for nil: a call whose media is not set up yet. It is what the hook for
// ended media reports, once the stream is closed and no longer reachable
// from Server.calls.
func rtpStatsOf(m *callStream) RTPStats {
	if m == nil || m.Stream == nil {
		return RTPStats{}
	}
	st := m.Stats()
	return RTPStats{
		Streams:         1,
		PacketsIn:       st.Session.PacketsIn,
		PacketsOut:      st.Session.PacketsOut,
		PacketsLost:     st.Jitter.Lost,
		PacketsIgnored:  st.Session.Ignored,
		PacketsWithheld: st.Session.Withheld,
		JitterDelaySum:  st.Jitter.Delay,
		JitterDelayMax:  st.Jitter.Delay,
	}
}

// inboundResult classifies the final status we sent to an INVITE into the
// result of a call in, as the metrics count it (the result label of
// parley_calls_total): answered (2xx), busy (486, 600: the room is full),
// declined (603), not_found (404, 604: no such room), no_answer (487, 408,
// 480: the caller gave up before the answer), refused (any other 4xx: no
// common codec, bad SDP, locked room, wrong PIN) or failed (5xx, ours).
func inboundResult(code int) string {
	switch {
	case code >= 200 && code < 300:
		return "answered"
	case code == gosip.StatusBusyHere || code == 600:
		return "busy"
	case code == 603:
		return "declined"
	case code == gosip.StatusNotFound || code == 604:
		return "not_found"
	case code == gosip.StatusRequestTerminated || code == gosip.StatusRequestTimeout || code == gosip.StatusTemporarilyUnavailable:
		return "no_answer"
	case code >= 400 && code < 500:
		return "refused"
	}
	return "failed"
}

// countIn reports the result of a call in to OnCallIn.
func (s *Server) countIn(code int) {
	if f := s.opts.OnCallIn; f != nil {
		f(inboundResult(code))
	}
}

// Message is one SIP message as the metrics count it: a request (Status
// 0) or a response (Status its code) to a request of Method, which Parley
// received (Sent false) or sent.
type Message struct {
	// Sent is true for a message Parley sent, false for one it received.
	Sent bool
	// Method is the request's method, or for a response the method of the
	// request it answers (from its CSeq).
	Method string
	// Status is the response's status code, 0 for a request.
	Status int
	// Credentials is true when the request (or the one the response
	// answers) carried Authorization or Proxy-Authorization: a 401 or 407
	// to it refuses those credentials rather than asking for them.
	Credentials bool
}

// countMessage reports one message to OnMessage, once: a retransmission
// that the transaction layer absorbs or repeats is not another. Every
// request a guarded handler receives and every response sent to it
// (countedTx), with the CANCEL and the ACK to a non-2xx that the
// transaction layer takes for it (counted.go); every request Parley sends
// (the calls out's INVITEs, ACKs, PRACKs and CANCELs, BYEs, session
// refreshes, the registrar's keep-alive OPTIONS) and the final response
// it got, and on calls out every response to the INVITE. Not counted:
// what sipgo answers without a handler (a 100 Trying it sends when a
// handler is slow, a 400 to a request too malformed for a transaction).
func (s *Server) countMessage(m Message) {
	if f := s.opts.OnMessage; f != nil {
		f(m)
	}
}

// countedTx reports a request a guarded handler received and returns its
// transaction as the handler sees it, which reports the responses sent
// (answerTx); a CANCEL of an INVITE that the transaction layer answers is
// reported too.
func (s *Server) countedTx(req *gosip.Request, tx gosip.ServerTransaction) *answerTx {
	atx := &answerTx{ServerTransaction: tx}
	if s.opts.OnMessage == nil {
		return atx
	}
	atx.count, atx.watches = s.countMessage, &s.ackWatches
	atx.req = Message{Method: string(req.Method),
		Credentials: req.GetHeader("Authorization") != nil || req.GetHeader("Proxy-Authorization") != nil}
	s.countMessage(atx.req)
	if req.IsInvite() {
		tx.OnCancel(func(*gosip.Request) { s.countCancelled(atx) })
	}
	return atx
}

// countExchange reports a request Parley sent and, if one came, the final
// response it got (res may be nil).
func (s *Server) countExchange(method gosip.RequestMethod, res *gosip.Response) {
	code := 0
	if res != nil {
		code = res.StatusCode
	}
	s.countRequest(method, code)
}

// countRequest reports a request Parley sent and the status of the final
// response it got, 0 for none.
func (s *Server) countRequest(method gosip.RequestMethod, code int) {
	s.countMessage(Message{Sent: true, Method: string(method)})
	if code != 0 {
		s.countMessage(Message{Method: string(method), Status: code})
	}
}

// Bindings returns how many registrations (an extension's contacts) are
// live now, 0 without a registrar. It may be called from any goroutine
// once Start has returned.
func (s *Server) Bindings() int {
	if s.registrar == nil {
		return 0
	}
	return s.registrar.count()
}
