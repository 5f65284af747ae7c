package dtmf

import (
	"errors"
	"testing"
)

// pkt is one telephone-event packet of a scripted stream.
type pkt struct {
	ts     uint32
	marker bool
	code   uint8
	end    bool
	dur    uint16
}

// press returns the packets a typical sender emits for one key press at
// ts: a marked first packet, updates every 50 ms, and the end report three
// times (RFC 4733 §2.5.1.2, §2.5.1.4).
func press(ts uint32, code uint8) []pkt {
	return []pkt{
		{ts, true, code, false, 400},
		{ts, false, code, false, 800},
		{ts, false, code, false, 1200},
		{ts, false, code, true, 1600},
		{ts, false, code, true, 1600},
		{ts, false, code, true, 1600},
	}
}

func concat(ps ...[]pkt) []pkt {
	var out []pkt
	for _, p := range ps {
		out = append(out, p...)
	}
	return out
}

func TestReceiver(t *testing.T) {
	tests := []struct {
		name string
		pkts []pkt
		want string
	}{
		{"one digit", press(1000, 1), "1"},
		{"every digit", concat(
			press(0, 0), press(8000, 1), press(16000, 2), press(24000, 3),
			press(32000, 4), press(40000, 5), press(48000, 6), press(56000, 7),
			press(64000, 8), press(72000, 9), press(80000, 10), press(88000, 11),
			press(96000, 12), press(104000, 13), press(112000, 14), press(120000, 15),
		), "0123456789*#ABCD"},
		{"same digit twice", concat(press(1000, 5), press(5000, 5)), "55"},
		{"first packets lost", press(1000, 7)[3:], "7"},
		{"only an end packet", []pkt{{2000, false, 4, true, 800}}, "4"},
		{"late retransmission of an earlier event", concat(
			press(1000, 1), press(5000, 2)[:2], []pkt{{1000, false, 1, true, 1600}}, press(5000, 2)[2:],
		), "12"},
		{"long event in segments", []pkt{
			{0, true, 9, false, 0xffff},
			{0xffff, false, 9, false, 4000},
			{0xffff, false, 9, true, 8000},
			{0xffff, false, 9, true, 8000},
		}, "9"},
		{"non-digit events ignored", concat(press(0, 16), press(8000, 3)), "3"},
		{"timestamp wrap", concat(press(0xffffff00, 1), press(0x100, 2)), "12"},
		{"many events, old ones forgotten", concat(
			press(1, 1), press(2, 2), press(3, 3), press(4, 4), press(5, 5),
			press(6, 6), press(7, 7), press(8, 8), press(9, 9), press(1, 1),
		), "1234567891"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Receiver
			var got []rune
			for _, p := range tt.pkts {
				payload := Event{Code: p.code, End: p.end, Volume: 10, Duration: p.dur}.AppendTo(nil)
				d, ok, err := r.Receive(p.ts, p.marker, payload)
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					got = append(got, d)
				}
			}
			if string(got) != tt.want {
				t.Errorf("digits = %q, want %q", string(got), tt.want)
			}
		})
	}
}

func TestReceiverBadPayload(t *testing.T) {
	var r Receiver
	if _, ok, err := r.Receive(1, true, []byte{1, 2}); !errors.Is(err, ErrShortPayload) || ok {
		t.Errorf("Receive(short) = %v, %v; want ErrShortPayload", ok, err)
	}
	// The rejected packet must not have marked the timestamp as seen.
	if d, ok, err := r.Receive(1, true, Event{Code: 2}.AppendTo(nil)); err != nil || !ok || d != '2' {
		t.Errorf("Receive after a bad payload = %q, %v, %v; want '2'", d, ok, err)
	}
}

func TestReceiverReset(t *testing.T) {
	var r Receiver
	p := Event{Code: 1}.AppendTo(nil)
	r.Receive(100, true, p)
	r.Reset()
	if _, ok, _ := r.Receive(100, true, p); !ok {
		t.Error("after Reset the same timestamp was not reported again")
	}
}

func BenchmarkReceive(b *testing.B) {
	var r Receiver
	p := Event{Code: 1, Duration: 400}.AppendTo(nil)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.Receive(uint32(i/6)*1000, i%6 == 0, p)
	}
}
