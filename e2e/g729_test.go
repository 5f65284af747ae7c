package e2e

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/media/g729"
)

// g729Pcap writes a libpcap file of a tone at freq Hz with peak amplitude
// (0..1) encoded by media/g729 (payload type 18), as a G.729 trunk would
// send it (see tonePcap).
func g729Pcap(t *testing.T, path string, freq, amplitude float64, seconds int) {
	t.Helper()
	enc, err := g729.NewEncoder()
	if err != nil {
		t.Fatal(err)
	}
	tonePcap(t, path, 18, g729.SampleRate, g729.FrameSamples, freq, amplitude, seconds,
		func(pcm []int16) ([]byte, error) {
			payload := make([]byte, g729.PayloadBytes)
			_, err := enc.Encode(pcm, payload)
			return payload, err
		})
}

// tonePcap writes a libpcap file (Ethernet, IPv4, UDP) of RTP packets of
// payload type pt, 20 ms apart, each carrying 20 ms (frameSamples at rate
// Hz) of a tone at freq Hz with peak amplitude (0..1) encoded by encode;
// the RTP timestamp steps 160 a packet (the 8000 Hz clock of G.711, G.722
// and G.729). sipp's play_pcap_audio plays the packets' payloads.
func tonePcap(t *testing.T, path string, pt byte, rate, frameSamples int, freq, amplitude float64, seconds int,
	encode func(pcm []int16) ([]byte, error)) {
	t.Helper()
	// The global header: magic, version 2.4, GMT offset, accuracy, snaplen,
	// link type 1 (Ethernet).
	out := binary.LittleEndian.AppendUint32(nil, 0xa1b2c3d4)
	out = binary.LittleEndian.AppendUint16(out, 2)
	out = binary.LittleEndian.AppendUint16(out, 4)
	out = binary.LittleEndian.AppendUint32(out, 0)
	out = binary.LittleEndian.AppendUint32(out, 0)
	out = binary.LittleEndian.AppendUint32(out, 65535)
	out = binary.LittleEndian.AppendUint32(out, 1)
	pcm := make([]int16, frameSamples)
	for i := 0; i < seconds*50; i++ {
		for j := range pcm {
			n := float64(i*frameSamples + j)
			pcm[j] = int16(math.Round(amplitude * 32767 * math.Sin(2*math.Pi*freq*n/float64(rate))))
		}
		payload, err := encode(pcm)
		if err != nil {
			t.Fatal(err)
		}
		rtp := []byte{0x80, pt, 0, 0, 0, 0, 0, 0, 0x47, 0x37, 0x32, 0x39}
		binary.BigEndian.PutUint16(rtp[2:], uint16(i))
		binary.BigEndian.PutUint32(rtp[4:], uint32(i*160))
		if i == 0 {
			rtp[1] |= 0x80 // marker: the start of a talkspurt
		}
		rtp = append(rtp, payload...)
		frame := pcapUDP(rtp)
		usec := i * 20000
		out = binary.LittleEndian.AppendUint32(out, uint32(usec/1e6))
		out = binary.LittleEndian.AppendUint32(out, uint32(usec%1e6))
		out = binary.LittleEndian.AppendUint32(out, uint32(len(frame)))
		out = binary.LittleEndian.AppendUint32(out, uint32(len(frame)))
		out = append(out, frame...)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// pcapUDP wraps payload in Ethernet, IPv4 (127.0.0.1 to 127.0.0.1) and UDP
// (port 6000 to 6000) headers; sipp replaces the addresses when it plays.
func pcapUDP(payload []byte) []byte {
	eth := []byte{0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00}
	ip := []byte{0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1}
	binary.BigEndian.PutUint16(ip[2:], uint16(20+8+len(payload)))
	var sum uint32
	for i := 0; i < len(ip); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(ip[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
	udp := []byte{0x17, 0x70, 0x17, 0x70, 0, 0, 0, 0} // no checksum
	binary.BigEndian.PutUint16(udp[4:], uint16(8+len(payload)))
	return append(append(append(eth, ip...), udp...), payload...)
}

// TestG729TrunkHeardByG711Phone: a trunk that offers only G.729 (sipp
// playing a pcap of a 1000 Hz tone encoded with bcg729) joins a room where
// a G.711 phone (baresip, PCMU) sends a 700 Hz tone. With media.g729 on,
// Parley answers G.729 with annexb=no, the phone hears the tone at 1000 Hz
// at the level it was sent, and the G.729 that Parley sends the trunk
// (captured on loopback, decoded with bcg729) carries the phone's 700 Hz
// at its level. With G.729 off (the default) the same G.729-only offer is
// refused with 488, and the log names both codec lists.
func TestG729TrunkHeardByG711Phone(t *testing.T) {
	const amplitude = 0.25
	t.Run("on", func(t *testing.T) {
		srv := startParley(t, roomConfig+"media:\n  g729: true\n")
		dir := t.TempDir()
		pcap := filepath.Join(dir, "tone1k-g729.pcap")
		g729Pcap(t, pcap, 1000, amplitude, 8)
		wav := filepath.Join(dir, "tone700.wav")
		if err := writeTone(wav, 8000, 700, amplitude, 20); err != nil {
			t.Fatal(err)
		}
		phone := newPhone(t, "g711", wav, "PCMU/8000/1", 43200)
		phone.dial(t, "sip:1000@"+srv.sipUDP, 12)
		sent := pcapCall(t, srv, phone, "g729_pcap.xml", pcap)
		var codecs []string
		for _, rec := range srv.logged("call answered") {
			codecs = append(codecs, fmt.Sprint(rec["codec"]))
		}
		if strings.Join(codecs, " ") != "PCMU/8000 G729/8000" {
			srv.dumpLogs(t)
			t.Fatalf("parley answered with %v, want PCMU/8000 then G729/8000", codecs)
		}
		phoneHeard(t, phone, "the G.729 trunk", 1000, amplitude)
		g729Heard(t, sent, 700, amplitude)
	})
	t.Run("off", func(t *testing.T) {
		srv := startParley(t, roomConfig)
		out, err := runSippWith(t, "refused.xml", map[string]string{"STATUS": "488"}, "1000", srv.sipUDP,
			"-key", "fmts", "18")
		if err != nil {
			srv.dumpLogs(t)
			t.Fatalf("the G.729-only offer was not refused with 488: %v\n%s", err, out)
		}
		found := false
		srv.logMu.Lock()
		for _, rec := range srv.logs {
			found = found || strings.Contains(fmt.Sprint(rec), "offered G729/8000; Parley supports opus/48000/2 G722/8000 PCMU/8000 PCMA/8000")
		}
		srv.logMu.Unlock()
		if !found {
			srv.dumpLogs(t)
			t.Error("no log line names the offer's G729/8000 and Parley's codecs")
		}
	})
}

// pcapCall runs scenario, a sipp call that plays the RTP of the pcap file
// pcap for 8.5 s, into room 1000 of srv, where phone (a G.711 phone) has
// joined; it returns the packets Parley sent the caller, once the phone
// has hung up.
func pcapCall(t *testing.T, srv *server, phone *phone, scenario, pcap string) []dialogPacket {
	t.Helper()
	srv.waitLog(t, "call joined", 1, 10*time.Second)
	port := dialogFreePort(t)
	capture := startDialogCapture(t, port)
	out, err := runSippWith(t, scenario, map[string]string{"PCAP_FILE": pcap, "PAUSE_MS": "8500"},
		"1000", srv.sipUDP, "-mi", "127.0.0.1", "-mp", fmt.Sprint(port))
	if err != nil {
		srv.dumpLogs(t)
		t.Fatalf("the %s call failed: %v\n%s", scenario, err, out)
	}
	sent := dialogToPort(capture.stop(t), port)
	phone.wait(t)
	return sent
}

// phoneHeard checks that the G.711 phone heard the tone of who, the
// pcapCall, at freq Hz and the peak amplitude sent (within 3 dB). The
// phone joined first; the tone plays from about 0.5 s to 8.5 s after
// that: it listens from 2 s to 5 s.
func phoneHeard(t *testing.T, phone *phone, who string, freq, amplitude float64) {
	t.Helper()
	x, rate, err := readWAV(phone.recording(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(x) < 5*rate {
		t.Fatalf("recording is %.1f s long, want at least 5 s; log:\n%s", float64(len(x))/float64(rate), phone.logText())
	}
	spec := newSpectrum(x[2*rate:5*rate], rate)
	peaks := spec.peaks(100, 3900)
	if len(peaks) == 0 || math.Abs(peaks[0].freq-freq) > 10 {
		t.Fatalf("the phone's dominant tone is not %v Hz: %v", freq, fmtPeaks(peaks[:min(3, len(peaks))]))
	}
	level := dB(spec.amplitude(freq) / amplitude)
	t.Logf("the G.711 phone hears %s's %v Hz at %+.1f dB relative to what was sent", who, freq, level)
	if math.Abs(level) > 3 {
		t.Errorf("%v Hz arrives at %+.1f dB, want within 3 dB of the sent level", freq, level)
	}
}

// g729Heard decodes the G.729 packets Parley sent the trunk (payload type
// 18, 20 bytes each) and checks the tone in them (see toneHeard).
func g729Heard(t *testing.T, sent []dialogPacket, freq, amplitude float64) {
	t.Helper()
	dec, err := g729.NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	toneHeard(t, "the G.729 trunk", sent, 18, g729.PayloadBytes, g729.SampleRate, dec.Decode, freq, amplitude)
}

// toneHeard decodes the packets Parley sent who (payload type pt, size
// bytes each, which decode turns into PCM at rate Hz) and checks that in
// the 4 s before the last half second (after the prompt "There is one
// other participant." that the caller hears first instead of the room,
// about 2.5 s), the dominant tone is freq at the peak amplitude sent
// (within 3 dB).
func toneHeard(t *testing.T, who string, sent []dialogPacket, pt uint8, size, rate int,
	decode func(payload []byte, pcm []int16) (int, error), freq, amplitude float64) {
	t.Helper()
	var x []float64
	pcm := make([]int16, rate/50)
	for _, p := range sent {
		if p.pt != pt || len(p.payload) != size {
			t.Fatalf("parley sent %s payload type %d of %d bytes, want %d of %d", who, p.pt, len(p.payload), pt, size)
		}
		n, err := decode(p.payload, pcm)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range pcm[:n] {
			x = append(x, float64(v)/32768)
		}
	}
	if len(x) < 7*rate {
		t.Fatalf("parley sent %s %.1f s of audio, want at least 7 s", who, float64(len(x))/float64(rate))
	}
	end := len(x) - rate/2
	spec := newSpectrum(x[end-4*rate:end], rate)
	peaks := spec.peaks(100, float64(rate)/2-100)
	if len(peaks) == 0 || math.Abs(peaks[0].freq-freq) > 10 {
		t.Fatalf("%s's dominant tone is not %v Hz: %v", who, freq, fmtPeaks(peaks[:min(3, len(peaks))]))
	}
	level := dB(spec.amplitude(freq) / amplitude)
	t.Logf("%s hears the %v Hz at %+.1f dB relative to what was sent", who, freq, level)
	if math.Abs(level) > 3 {
		t.Errorf("%v Hz reaches %s at %+.1f dB, want within 3 dB of the sent level", freq, who, level)
	}
}
