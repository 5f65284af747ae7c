package media_test

import (
	"sync/atomic"
	"testing"

	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/media/jitter"
)

// encoded returns one 20 ms frame of a 1 kHz tone encoded in f.
func encoded(t testing.TB, f media.Format) []byte {
	t.Helper()
	enc, err := media.NewEncoder(f)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	n, err := enc.Encode(sine(f.FrameSamples(), 0, f.SampleRate(), 1000, 8000), buf)
	if err != nil {
		t.Fatal(err)
	}
	return buf[:n]
}

func TestFrameDecoder(t *testing.T) {
	pcmu, opus := encoded(t, media.PCMU), encoded(t, media.Opus)
	tests := []struct {
		name      string
		f         media.Format
		slot      jitter.Frame
		want      media.Outcome
		samples   int // of the frame, padded to 20 ms
		counts    [3]uint64
		wantAudio bool
	}{
		{"PCMU packet", media.PCMU, jitter.Frame{Kind: jitter.Packet, Payload: pcmu}, media.Decoded, 160, [3]uint64{1, 0, 0}, true},
		{"PCMU 10 ms packet, padded", media.PCMU, jitter.Frame{Kind: jitter.Packet, Payload: pcmu[:80]}, media.Decoded, 160, [3]uint64{1, 0, 0}, true},
		{"PCMU lost", media.PCMU, jitter.Frame{Kind: jitter.Lost}, media.Concealed, 160, [3]uint64{0, 1, 0}, false},
		{"nothing", media.PCMU, jitter.Frame{}, media.Silent, 0, [3]uint64{}, false},
		{"Opus packet", media.Opus, jitter.Frame{Kind: jitter.Packet, Payload: opus}, media.Decoded, 960, [3]uint64{1, 0, 0}, true},
		{"Opus lost, FEC from the next", media.Opus, jitter.Frame{Kind: jitter.Lost, Next: opus}, media.Concealed, 960, [3]uint64{0, 1, 0}, false},
		{"Opus rejected, concealed", media.Opus, jitter.Frame{Kind: jitter.Packet, Payload: []byte{0xff, 0xff, 0xff}}, media.Concealed, 960, [3]uint64{0, 0, 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var decoded, concealed, errs atomic.Uint64
			d, err := media.NewFrameDecoder(tt.f, media.DecodeCounters{Decoded: &decoded, Concealed: &concealed, Errors: &errs})
			if err != nil {
				t.Fatal(err)
			}
			pcm, out := d.Decode(tt.slot)
			if out != tt.want || len(pcm) != tt.samples {
				t.Fatalf("outcome %d with %d samples, want %d with %d", out, len(pcm), tt.want, tt.samples)
			}
			if got := [3]uint64{decoded.Load(), concealed.Load(), errs.Load()}; got != tt.counts {
				t.Errorf("counters (decoded, concealed, errors) %v, want %v", got, tt.counts)
			}
			if tt.wantAudio && rms(pcm[:tt.samples/2]) < 1000 {
				t.Errorf("decoded frame has rms %.0f", rms(pcm))
			}
			if tt.name == "PCMU 10 ms packet, padded" && rms(pcm[100:]) != 0 {
				t.Error("the missing 10 ms are not silence")
			}
		})
	}
	if _, err := media.NewFrameDecoder(media.Format{Name: "G723", ClockRate: 8000}, media.DecodeCounters{}); err == nil {
		t.Error("a frame decoder for G.729")
	}
}

// BenchmarkFrameDecoder is the decoder stage per 20 ms packet.
func BenchmarkFrameDecoder(b *testing.B) {
	for _, f := range []media.Format{media.PCMU, media.Opus} {
		b.Run(f.Name, func(b *testing.B) {
			d, err := media.NewFrameDecoder(f, media.DecodeCounters{})
			if err != nil {
				b.Fatal(err)
			}
			slot := jitter.Frame{Kind: jitter.Packet, Payload: encoded(b, f)}
			b.ReportAllocs()
			for b.Loop() {
				d.Decode(slot)
			}
		})
	}
}
