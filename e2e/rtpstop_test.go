package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zaf/g711"
)

// TestRTPStopsHangsUp: sipp's call sends 2 s of tone, then no more RTP
// while its dialog stays up (no BYE, no re-INVITE). With media.rtp_timeout
// at 2 s Parley must hang the call up with a BYE about 2 s after the last
// packet, not 2 s after the answer, and the room's participant list must
// lose the leg: it shows sipp talking while the tone flows and is empty
// after the BYE.
func TestRTPStopsHangsUp(t *testing.T) {
	t.Parallel()
	const stream, timeout = 2 * time.Second, 2 * time.Second
	srv := startParley(t, roomConfig+"admin_tokens: [\""+adminToken+"\"]\nmedia:\n  rtp_timeout: 2s\n")
	tone := filepath.Join(t.TempDir(), "tone1k.ulaw")
	if err := os.WriteFile(tone, g711.EncodeUlaw(dialogPCM(dialogSippTone, dialogAmplitude, stream)), 0o644); err != nil {
		t.Fatal(err)
	}
	d := &dialogRoom{srv: srv, mediaPort: dialogFreePort(t), ulaw: tone, alaw: tone}
	sipp := d.startSipp(t, "rtp_stop.xml", 40*time.Second)

	type entry struct {
		Name    string `json:"name"`
		Via     string `json:"via"`
		Talking bool   `json:"talking"`
	}
	list := func() []entry {
		var l []entry
		if code := srv.apiCall(t, "GET", "/api/v1/rooms/1000/participants", nil, &l); code != 200 {
			t.Fatalf("GET participants: %d", code)
		}
		return l
	}
	// While the tone flows, sipp is in the room and talking.
	srv.waitLog(t, "call joined", 1, 10*time.Second)
	deadline := time.Now().Add(stream)
	talking := false
	for !talking && time.Now().Before(deadline) {
		l := list()
		talking = len(l) == 1 && l[0].Via == "sip" && l[0].Talking
		time.Sleep(50 * time.Millisecond)
	}
	if !talking {
		t.Errorf("while sipp streams, the participant list reads %+v, want sipp talking", list())
	}

	res := sipp.wait()
	if res.err != nil {
		srv.dumpLogs(t)
		t.Fatalf("sipp got no BYE after its media stopped: %v\n%s\n%s", res.err, res.out, res.errors)
	}
	byes := dialogReceived(t, res.trace, "BYE")
	if len(byes) != 1 {
		t.Fatalf("sipp received %d BYEs, want 1", len(byes))
	}
	answered, _ := d.sippCall(t)
	after := byes[0].at.Sub(answered)
	t.Logf("the BYE came %.2f s after the answer: %v of tone, then the %v RTP timeout", after.Seconds(), stream, timeout)
	if after < stream+timeout-300*time.Millisecond || after > stream+timeout+3*time.Second {
		t.Errorf("the BYE came %.2f s after the answer, want about %v (the tone, then the timeout)", after.Seconds(), stream+timeout)
	}
	hungUp := false
	for _, rec := range srv.logged("hanging up") {
		hungUp = hungUp || rec["reason"] == "rtp timeout"
	}
	if !hungUp {
		srv.dumpLogs(t)
		t.Error(`no "hanging up" log line with reason "rtp timeout"`)
	}
	srv.waitLog(t, "participant left", 1, 5*time.Second)
	if l := list(); len(l) != 0 {
		t.Errorf("after the BYE the participant list reads %+v, want it empty", l)
	}
}
