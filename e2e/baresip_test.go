package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// phone is one headless baresip softphone whose microphone plays a WAV file
// and which records what it hears into rec/dump-*-dec.wav.
type phone struct {
	name string
	dir  string
	ctrl int // ctrl_tcp port for commands while running
	cmd  *exec.Cmd
	log  *os.File
}

// newPhone writes a baresip 1.0 config: no sound card, the WAV as
// microphone, received audio recorded by the sndfile module, SIP and RTP
// on loopback with the given codec list (e.g. "PCMU/8000/1").
func newPhone(t *testing.T, name, wav, codec string, rtpMin int) *phone {
	return newPhoneAccount(t, name, wav, codec, rtpMin, "")
}

// newPhoneAccount is newPhone with a baresip account line of the caller's
// (for example one that registers with auth_pass); empty means none.
func newPhoneAccount(t *testing.T, name, wav, codec string, rtpMin int, account string) *phone {
	t.Helper()
	if _, err := exec.LookPath("baresip"); err != nil {
		t.Fatal("baresip is not installed; run `make test`, which installs it")
	}
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(filepath.Join(dir, "rec"), 0o755); err != nil {
		t.Fatal(err)
	}
	rate, err := wavRate(wav)
	if err != nil {
		t.Fatal(err)
	}
	ctrl := freeTCPPort(t)
	module := "g711"
	if strings.HasPrefix(strings.ToLower(codec), "opus") {
		module = "opus"
	}
	if strings.HasPrefix(strings.ToLower(codec), "g722") {
		module = "g722"
	}
	cfg := fmt.Sprintf(`poll_method epoll
sip_listen 127.0.0.1:0
call_local_timeout 120
audio_path /usr/share/baresip
audio_source aufile,%s
audio_player aubridge,%s-play
audio_alert aubridge,%s-alert
ausrc_srate %d
ausrc_channels 1
auplay_srate 48000
auplay_channels 1
audio_level no
ausrc_format s16
auplay_format s16
auenc_format s16
audec_format s16
audio_buffer 20-160
rtp_ports %d-%d
rtcp_mux no
jitter_buffer_delay 5-10
net_interface 127.0.0.1
module_path /usr/lib/baresip/modules
module %s.so
module sndfile.so
module aufile.so
module aubridge.so
module_tmp uuid.so
module_tmp account.so
module_app menu.so
module_app ctrl_tcp.so
ctrl_tcp_listen 127.0.0.1:%d
snd_path %s
opus_bitrate 32000
statmode_default off
`, wav, name, name, rate, rtpMin, rtpMin+19, module, ctrl, filepath.Join(dir, "rec"))
	if account == "" {
		account = fmt.Sprintf("<sip:%s@127.0.0.1>;regint=0", name)
	}
	account += ";audio_codecs=" + codec + "\n"
	for file, text := range map[string]string{"config": cfg, "accounts": account, "contacts": ""} {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return &phone{name: name, dir: dir, ctrl: ctrl}
}

// freeTCPPort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// command sends a running baresip one command over its ctrl_tcp module
// (JSON in a netstring), e.g. "/dial sip:1000@127.0.0.1:5060".
func (p *phone) command(t *testing.T, line string) error {
	t.Helper()
	cmd, params, _ := strings.Cut(strings.TrimPrefix(line, "/"), " ")
	var conn net.Conn
	var err error
	for i := 0; i < 50; i++ { // baresip may still be starting
		if conn, err = net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", p.ctrl)); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	defer conn.Close()
	msg, _ := json.Marshal(map[string]string{"command": cmd, "params": params, "token": "e2e"})
	_, err = fmt.Fprintf(conn, "%d:%s,", len(msg), msg)
	time.Sleep(200 * time.Millisecond) // let baresip read it before the connection closes
	return err
}

// dial starts baresip calling uri; it hangs up and exits after seconds.
func (p *phone) dial(t *testing.T, uri string, seconds int) {
	p.start(t, seconds, "-e", "/dial "+uri)
}

// start runs baresip with a SIP trace in its log; it exits after seconds.
func (p *phone) start(t *testing.T, seconds int, args ...string) {
	t.Helper()
	log, err := os.Create(filepath.Join(p.dir, "baresip.log"))
	if err != nil {
		t.Fatal(err)
	}
	p.log = log
	args = append([]string{"-f", p.dir, "-s", "-t", fmt.Sprint(seconds)}, args...)
	p.cmd = exec.Command("baresip", args...)
	p.cmd.Dir = p.dir // where modules such as snapshot write their files
	p.cmd.Stdout, p.cmd.Stderr = log, log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait()
		}
	})
}

// wait waits for baresip to exit.
func (p *phone) wait(t *testing.T) {
	t.Helper()
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("%s: baresip exited with %v", p.name, err)
	}
	p.log.Close()
}

// recording returns the path of what the phone heard.
func (p *phone) recording(t *testing.T) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(p.dir, "rec", "dump-*-dec.wav"))
	if len(files) != 1 {
		t.Fatalf("%s: want one recording, found %v; baresip log:\n%s", p.name, files, p.logText())
	}
	return files[0]
}

func (p *phone) logText() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "baresip.log"))
	return string(b)
}
