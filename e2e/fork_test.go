package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestDialExtensionForks: extension 2001 is registered from two phones;
// dialling it rings both at once, the one that answers joins the room, and
// the other gets a CANCEL.
func TestDialExtensionForks(t *testing.T) {
	t.Parallel()
	srv := startParley(t, dialConfig)
	wav := toneFile(t, "quiet.wav", 8000, 0, 0, 30)
	desk := newPhoneAccount(t, "desk", wav, "PCMU/8000/1", 41900,
		"<sip:2001@"+srv.sipUDP+">;auth_pass=secret-alice-1;regint=300;answermode=auto")
	mobile := newPhoneAccount(t, "mobile", wav, "PCMU/8000/1", 41940,
		"<sip:2001@"+srv.sipUDP+">;auth_pass=secret-alice-1;regint=300")
	desk.start(t, 12)
	mobile.start(t, 12)
	srv.waitLog(t, "registration added", 2, 10*time.Second)

	id := srv.dial(t, "1000", "2001", nil)
	if d := srv.waitDial(t, "1000", id, 15*time.Second); d.Status != "answered" {
		t.Fatalf("dial 2001: %+v, want answered", d)
	}
	if n := len(srv.logged("calling out")); n != 2 {
		t.Errorf("parley placed %d INVITEs, want one per registered phone (2)", n)
	}
	desk.wait(t)
	mobile.wait(t)
	if !strings.Contains(mobile.logText(), "CANCEL sip:") {
		t.Errorf("the phone that did not answer got no CANCEL; its trace:\n%s", mobile.logText())
	}
	if strings.Contains(desk.logText(), "CANCEL sip:") {
		t.Error("the phone that answered got a CANCEL")
	}
}
