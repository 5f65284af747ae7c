package sip

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// FuzzRequest drives whole SIP requests through Parley's handlers: the
// bytes are parsed by sipgo's parser, as the UDP transport does, and the
// request goes to the handler Start registers for its method, with a fake
// transaction. An answered call is in place for each input (establish),
// so that requests in its dialog reach the re-INVITE, UPDATE, INFO and BYE
// handlers. Nothing may panic (a recovered panic fails the target too),
// every handler must return within handlerTimeout (a request that holds
// its goroutine is a denial of service) and every request but ACK must get
// a final response. The seed corpus in
// testdata/fuzz/FuzzRequest holds the RFC 4475 torture messages, the
// requests of the hardening issue and every crasher found.
// handlerTimeout bounds how long a handler may take on a fuzzed request:
// nothing Parley does on a request waits for the network in the harness.
const handlerTimeout = 5 * time.Second

func FuzzRequest(f *testing.F) {
	h := newHarness(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		msg, err := gosip.NewParser().ParseSIP(data)
		if err != nil {
			return // the transport drops what does not parse
		}
		req, ok := msg.(*gosip.Request)
		if !ok {
			return
		}
		before := h.log.panics()
		release := h.establish(t)
		defer release()
		done := make(chan *fakeTx, 1)
		go func() { done <- h.dispatch(req) }()
		var tx *fakeTx
		select {
		case tx = <-done:
		case <-time.After(handlerTimeout):
			stacks := make([]byte, 1<<20)
			stacks = stacks[:runtime.Stack(stacks, true)]
			t.Fatalf("no handler return within %v on\n%q\n%s", handlerTimeout, data, stacks)
		}
		if h.log.panics() != before {
			t.Fatalf("a handler panicked on\n%q\n%s", data, h.log.lastPanic())
		}
		if !req.IsAck() && tx.final() == nil {
			t.Fatalf("no final response to\n%q", data)
		}
	})
}

// TestTortureMessages runs the RFC 4475 torture messages through the
// handlers: the well-formed ones are taken (answered, not 400: an unknown
// room's 404 or an unsupported method's 405 is an answer), the others are
// refused (the parser drops them, or they get 4xx to 6xx), responses are
// only parsed, and nothing panics.
func TestTortureMessages(t *testing.T) {
	const (
		accept   = "accept"
		refuse   = "refuse"
		response = "response"
	)
	cases := map[string]string{
		// RFC 4475 §3.1.1, valid messages.
		"valid/dblreq": accept, "valid/esc01": accept, "valid/esc02": accept, "valid/escnull": accept,
		"valid/intmeth": accept, "valid/longreq": accept, "valid/lwsdisp": accept, "valid/mpart01": accept,
		"valid/noreason": response, "valid/semiuri": accept, "valid/transports": accept,
		"valid/unreason": response, "valid/wsinv": accept,
		// §3.1.2, invalid messages.
		"invalid/badaspec": refuse, "invalid/baddate": refuse, "invalid/baddn": refuse, "invalid/badinv01": refuse,
		"invalid/badvers": refuse, "invalid/bigcode": refuse, "invalid/clerr": refuse, "invalid/escruri": refuse,
		"invalid/ltgtruri": refuse, "invalid/lwsruri": refuse, "invalid/lwsstart": refuse,
		"invalid/mismatch01": refuse, "invalid/mismatch02": refuse, "invalid/ncl": refuse,
		"invalid/quotbal": refuse, "invalid/regbadct": refuse, "invalid/scalar02": refuse,
		"invalid/scalarlg": refuse, "invalid/test": refuse, "invalid/trws": refuse,
		// §3.2, transaction layer: a pre-RFC 3261 branch is still a request.
		"invalid/badbranch": accept,
		// §3.3, application layer semantics.
		"invalid/insuf": refuse, "invalid/unkscm": refuse, "invalid/novelsc": refuse, "invalid/unksm2": refuse,
		"invalid/bext01": refuse, "invalid/invut": refuse, "invalid/regaut01": refuse, "invalid/multi01": refuse,
		"invalid/mcl01": refuse, "invalid/bcast": response, "invalid/zeromf": accept, "invalid/cparam01": accept,
		"invalid/cparam02": accept, "invalid/regescrt": refuse, "invalid/sdp01": refuse,
		// §3.4: an RFC 2543 INVITE (no Max-Forwards, no Contact); Parley
		// keeps no backward compatibility with it.
		"invalid/inv2543": refuse,
	}
	files, err := filepath.Glob("testdata/torture/*/*.dat")
	if err != nil || len(files) != len(cases) {
		t.Fatalf("%d torture files (%v), %d cases", len(files), err, len(cases))
	}
	h := newHarness(t)
	for _, file := range files {
		name := filepath.Base(filepath.Dir(file)) + "/" + filepath.Base(file[:len(file)-len(".dat")])
		want, ok := cases[name]
		if !ok {
			t.Errorf("%s: no expectation", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			msg, err := gosip.NewParser().ParseSIP(data)
			if err != nil {
				if want != refuse {
					t.Fatalf("parse error %v, want %s", err, want)
				}
				return
			}
			req, isReq := msg.(*gosip.Request)
			if want == response || !isReq {
				if want != response || isReq {
					t.Fatalf("parsed as a request: %v, want %s", isReq, want)
				}
				return
			}
			res := h.dispatch(req).final()
			if res == nil {
				t.Fatal("no final response")
			}
			switch {
			case want == accept && res.StatusCode == 400:
				t.Errorf("refused %d %s, want it taken", res.StatusCode, res.Reason)
			case want == refuse && res.StatusCode < 400:
				t.Errorf("answered %d %s, want it refused", res.StatusCode, res.Reason)
			}
			t.Logf("%d %s", res.StatusCode, res.Reason)
		})
	}
	if h.log.panics() != 0 {
		t.Errorf("a handler panicked:\n%s", h.log.lastPanic())
	}
}

// inDialog is request for the call establish sets up, with CSeq seq.
func inDialog(method, body string, seq int, edit ...string) string {
	raw := request(method, body, append([]string{"CSeq: " + itoa(seq) + " " + method}, edit...)...)
	return strings.NewReplacer("Call-ID: validate-"+method+"@127.0.0.1", "Call-ID: "+dialogCallID,
		"tag=a1", "tag="+dialogFromTag,
		"To: <sip:1000@127.0.0.1>", "To: <sip:1000@127.0.0.1>;tag="+dialogToTag).Replace(raw)
}

// TestInDialogRequests: requests in the dialog of an answered call reach
// its handlers: a hold with c=0.0.0.0 is answered inactive, a multicast
// c= is refused with 488 and the call goes on, INFO and UPDATE are taken,
// BYE ends the call.
func TestInDialogRequests(t *testing.T) {
	h := newHarness(t)
	release := h.establish(t)
	defer release()
	hold := strings.Replace(sdpOffer, "c=IN IP4 127.0.0.1", "c=IN IP4 0.0.0.0", 1)
	multicast := strings.Replace(sdpOffer, "c=IN IP4 127.0.0.1", "c=IN IP4 232.1.1.1", 1)
	steps := []struct {
		name, raw string
		code      int
		body      string // in the answer's SDP
	}{
		{"hold", inDialog("INVITE", hold, 2), 200, "a=inactive"},
		{"multicast", inDialog("INVITE", multicast, 3), 488, ""},
		{"resume", inDialog("INVITE", sdpOffer, 4), 200, "a=sendrecv"},
		{"info", inDialog("INFO", "Signal=5\r\nDuration=160\r\n", 5, "Content-Type: application/dtmf-relay"), 200, ""},
		{"update", inDialog("UPDATE", "", 6), 200, ""},
		{"bye", inDialog("BYE", "", 7), 200, ""},
	}
	for _, st := range steps {
		res := h.send(t, st.raw)
		if res.StatusCode != st.code || !strings.Contains(string(res.Body()), st.body) {
			t.Fatalf("%s: %d %s\n%s, want %d with %q", st.name, res.StatusCode, res.Reason, res.Body(), st.code, st.body)
		}
	}
	if h.log.panics() != 0 {
		t.Errorf("a handler panicked:\n%s", h.log.lastPanic())
	}
}
