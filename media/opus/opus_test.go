package opus

import (
	"math"
	"testing"

	libopus "github.com/hraban/opus"
)

// tone returns n samples at 48 kHz of a sine of frequency f with peak amp.
func tone(n int, f, amp float64) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(math.Round(amp * math.Sin(2*math.Pi*f*float64(i)/SampleRate)))
	}
	return s
}

// speechLike returns n samples of a signal that keeps changing, as speech
// does, so that concealment cannot simply extrapolate it: a harmonic series
// whose pitch glides between 100 and 250 Hz, with a syllable-rate envelope.
func speechLike(n int) []int16 {
	s := make([]int16, n)
	var phase float64
	for i := range s {
		t := float64(i) / SampleRate
		f0 := 175 + 75*math.Sin(2*math.Pi*3*t)
		phase += 2 * math.Pi * f0 / SampleRate
		env := 0.55 + 0.45*math.Sin(2*math.Pi*4*t)
		var v float64
		for h := 1; h <= 6; h++ {
			v += math.Sin(float64(h)*phase) / float64(h)
		}
		s[i] = int16(math.Round(7000 * env * v))
	}
	return s
}

func energy(s []int16) float64 {
	var e float64
	for _, v := range s {
		e += float64(v) * float64(v)
	}
	return e
}

// power returns the power of s at frequency f, by Goertzel's algorithm.
func power(s []int16, f float64) float64 {
	c := 2 * math.Cos(2*math.Pi*f/SampleRate)
	var s1, s2 float64
	for _, v := range s {
		s1, s2 = float64(v)+c*s1-s2, s1
	}
	return (s1*s1 + s2*s2 - c*s1*s2) / float64(len(s)*len(s))
}

// dominant returns the strongest frequency of s between 50 and 4000 Hz, to
// 1 Hz.
func dominant(s []int16) float64 {
	best, bestPower := 0.0, -1.0
	for f := 50.0; f <= 4000; f++ {
		if p := power(s, f); p > bestPower {
			best, bestPower = f, p
		}
	}
	return best
}

// encodeAll encodes in, 20 ms at a time, and returns the payloads.
func encodeAll(t testing.TB, in []int16) [][]byte {
	t.Helper()
	enc, err := NewEncoder(0)
	if err != nil {
		t.Fatal(err)
	}
	var packets [][]byte
	for i := 0; i+FrameSamples <= len(in); i += FrameSamples {
		buf := make([]byte, MaxPayload)
		n, err := enc.Encode(in[i:i+FrameSamples], buf)
		if err != nil {
			t.Fatal(err)
		}
		packets = append(packets, buf[:n])
	}
	return packets
}

// decodeAll decodes packets, concealing the ones whose index is in lost
// (with FEC from the next packet if fec is set), and returns the PCM.
func decodeAll(t testing.TB, packets [][]byte, lost map[int]bool, fec bool) []int16 {
	t.Helper()
	dec, err := NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int16, len(packets)*FrameSamples)
	for i, p := range packets {
		pcm := out[i*FrameSamples : (i+1)*FrameSamples]
		var n int
		switch {
		case !lost[i]:
			n, err = dec.Decode(p, pcm)
		case fec && i+1 < len(packets):
			n, err = dec.Conceal(packets[i+1], pcm)
		default:
			n, err = dec.Conceal(nil, pcm)
		}
		if err != nil || n != FrameSamples {
			t.Fatalf("packet %d: got %d samples, %v", i, n, err)
		}
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	in := tone(SampleRate, 440, 10000)
	packets := encodeAll(t, in)
	var bytes int
	for _, p := range packets {
		bytes += len(p)
	}
	bitrate := bytes * 8 // one second
	out := decodeAll(t, packets, nil, false)
	half := out[len(out)/2:]
	ratio := energy(half) / energy(in[len(in)/2:])
	f := dominant(half[:4800])
	t.Logf("%d bit/s, decoded energy %.2f dB, dominant %.0f Hz", bitrate, 10*math.Log10(ratio), f)
	if bitrate > 2*DefaultBitrate {
		t.Errorf("%d bit/s, want about %d", bitrate, DefaultBitrate)
	}
	if math.Abs(10*math.Log10(ratio)) > 1 {
		t.Errorf("decoded energy off by %.2f dB, want within 1 dB", 10*math.Log10(ratio))
	}
	if math.Abs(f-440) > 3 {
		t.Errorf("dominant frequency %.0f Hz, want 440 Hz", f)
	}
}

// TestStereoToMono encodes a stereo stream, 440 Hz on the left and 1 kHz on
// the right, and checks that the mono decoder returns both, downmixed.
func TestStereoToMono(t *testing.T) {
	enc, err := libopus.NewEncoder(SampleRate, 2, libopus.AppAudio)
	if err != nil {
		t.Fatal(err)
	}
	enc.SetBitrate(64000)
	left, right := tone(SampleRate/2, 440, 10000), tone(SampleRate/2, 1000, 10000)
	dec, err := NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	stereo := make([]int16, 2*FrameSamples)
	payload := make([]byte, MaxPayload)
	var out []int16
	for i := 0; i+FrameSamples <= len(left); i += FrameSamples {
		for j := range FrameSamples {
			stereo[2*j], stereo[2*j+1] = left[i+j], right[i+j]
		}
		n, err := enc.Encode(stereo, payload)
		if err != nil {
			t.Fatal(err)
		}
		pcm := make([]int16, FrameSamples)
		m, err := dec.Decode(payload[:n], pcm)
		if err != nil || m != FrameSamples {
			t.Fatalf("Decode = %d, %v, want %d mono samples", m, err, FrameSamples)
		}
		out = append(out, pcm...)
	}
	tail := out[len(out)/2:]
	// A downmix is (L+R)/2: each tone at half its level, -6 dB.
	want := power(left, 440)
	pl, pr := power(tail, 440)/want, power(tail, 1000)/want
	t.Logf("440 Hz at %.1f dB, 1 kHz at %.1f dB", 10*math.Log10(pl), 10*math.Log10(pr))
	for name, p := range map[string]float64{"left (440 Hz)": pl, "right (1 kHz)": pr} {
		if db := 10 * math.Log10(p); db < -9 || db > -3 {
			t.Errorf("%s is at %.1f dB in the mono output, want about -6 dB", name, db)
		}
	}
}

// TestConceal loses one packet of a steady tone and checks that libopus's
// concealment continues the tone.
func TestConceal(t *testing.T) {
	in := tone(SampleRate, 440, 10000)
	const lost = 30
	out := decodeAll(t, encodeAll(t, in), map[int]bool{lost: true}, false)
	got := out[lost*FrameSamples : (lost+1)*FrameSamples]
	ref := in[lost*FrameSamples : (lost+1)*FrameSamples]
	db := 10 * math.Log10(energy(got)/energy(ref))
	f := dominant(got)
	t.Logf("concealed frame: energy %.2f dB, dominant %.0f Hz", db, f)
	if db < -10 || db > 1 {
		t.Errorf("concealed frame energy %.2f dB, want -10 to +1 dB", db)
	}
	if math.Abs(f-440) > 25 {
		t.Errorf("concealed frame's dominant frequency %.0f Hz, want 440 Hz", f)
	}
}

// TestFEC loses packets of a changing signal and checks that recovering
// them from the next packet's in-band FEC comes much closer to what the
// lost packets held than concealment alone does.
func TestFEC(t *testing.T) {
	packets := encodeAll(t, speechLike(2*SampleRate))
	ref := decodeAll(t, packets, nil, false)
	lost := map[int]bool{}
	for i := 10; i < len(packets)-1; i += 7 {
		lost[i] = true
	}
	snr := func(out []int16) float64 {
		var sig, noise float64
		for i := range lost {
			for n := i * FrameSamples; n < (i+1)*FrameSamples; n++ {
				x, e := float64(ref[n]), float64(out[n])-float64(ref[n])
				sig += x * x
				noise += e * e
			}
		}
		return 10 * math.Log10(sig/noise)
	}
	plc := snr(decodeAll(t, packets, lost, false))
	fec := snr(decodeAll(t, packets, lost, true))
	t.Logf("lost frames against the lossless decode: PLC %.1f dB, FEC %.1f dB", plc, fec)
	if fec < plc+3 {
		t.Errorf("FEC gives %.1f dB, PLC %.1f dB: want FEC at least 3 dB better", fec, plc)
	}
}

func TestErrors(t *testing.T) {
	for _, bitrate := range []int{-1, 5999, 510001} {
		if _, err := NewEncoder(bitrate); err == nil {
			t.Errorf("NewEncoder(%d) succeeded, want an error", bitrate)
		}
	}
	enc, err := NewEncoder(0)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, MaxPayload)
	for _, n := range []int{0, FrameSamples - 1, 2 * FrameSamples} {
		if _, err := enc.Encode(make([]int16, n), buf); err == nil {
			t.Errorf("Encode(%d samples) succeeded, want an error", n)
		}
	}
	if _, err := enc.Encode(make([]int16, FrameSamples), nil); err == nil {
		t.Error("Encode into nil succeeded, want an error")
	}
	dec, err := NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, FrameSamples)
	if _, err := dec.Decode(nil, pcm); err == nil {
		t.Error("Decode(nil) succeeded, want an error")
	}
	// A code 3 packet (RFC 6716 §3.2.5) claiming 0 frames is invalid.
	if _, err := dec.Decode([]byte{0x03, 0x00}, pcm); err == nil {
		t.Error("Decode of an invalid packet succeeded, want an error")
	}
	if _, err := dec.Conceal(nil, pcm[:FrameSamples-1]); err == nil {
		t.Error("Conceal into a short buffer succeeded, want an error")
	}
}
