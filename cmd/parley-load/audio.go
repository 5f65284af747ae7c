package main

import (
	"math"

	"github.com/zaf/g711"
)

// The audio every leg sends, and the check of what a silent leg hears.

const (
	sampleRate   = 8000 // PCMU's clock
	frameSamples = 160  // 20 ms at 8 kHz: one RTP packet
	framesPerSec = sampleRate / frameSamples
	// toneDBFS is each talker's level, as the peak of its sine relative to
	// full scale: -20 dBFS, so three summed tones stay far from clipping.
	toneDBFS = -20.0
	// ulawSilence is µ-law's code for 0: a silent leg's payload.
	ulawSilence = 0xFF
)

// talkerFreqs are the tones of the talkers, in Hz: talker i of a room sends
// talkerFreqs[i % len]. Each makes a whole number of cycles in one second,
// so one second of frames loops without a click.
var talkerFreqs = []float64{440, 660, 880}

// toneAmplitude is toneDBFS as a fraction of full scale.
func toneAmplitude() float64 { return math.Pow(10, toneDBFS/20) }

// toneFrames returns one second of a sine at freq Hz and toneDBFS as
// framesPerSec PCMU payloads of frameSamples bytes each.
func toneFrames(freq float64) [][]byte {
	amp := toneAmplitude() * math.MaxInt16
	frames := make([][]byte, framesPerSec)
	for f := range frames {
		p := make([]byte, frameSamples)
		for i := range p {
			n := f*frameSamples + i
			p[i] = g711.EncodeUlawFrame(int16(math.Round(amp * math.Sin(2*math.Pi*freq*float64(n)/sampleRate))))
		}
		frames[f] = p
	}
	return frames
}

// phoneFrames returns a phone's frames: a tone at freq Hz (0: silence),
// with the marker's pause when marker is set.
func phoneFrames(freq float64, marker bool) [][]byte {
	switch {
	case freq == 0:
		return silenceFrames()
	case marker:
		return markerFrames(freq)
	}
	return toneFrames(freq)
}

// silenceFrames returns one frame of µ-law silence, the payload of the
// silent legs: what a phone without voice activity detection sends while
// nobody speaks. The bridge still receives and decodes every packet (no
// comfort noise, no discontinuous transmission), the heavier case.
func silenceFrames() [][]byte {
	p := make([]byte, frameSamples)
	for i := range p {
		p[i] = ulawSilence
	}
	return [][]byte{p}
}

// toneLevel is what the tone check found of one talker's frequency.
type toneLevel struct {
	Freq float64 // Hz
	DBFS float64 // the sine's peak level heard, dBFS
}

// toneTolerance is how far from toneDBFS a tone may be heard and still
// count as present at its level, in dB.
const toneTolerance = 3.0

// present reports whether the tone was heard at toneDBFS ± toneTolerance.
func (l toneLevel) present() bool { return math.Abs(l.DBFS-toneDBFS) <= toneTolerance }

// measureTones decodes the µ-law samples and measures, with the Goertzel
// algorithm over a Hann window, the level of each of freqs.
func measureTones(ulaw []byte, freqs []float64) []toneLevel {
	x := make([]float64, len(ulaw))
	var sum float64
	n := len(ulaw)
	for i, c := range ulaw {
		h := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n-1))
		x[i] = float64(g711.DecodeUlawFrame(c)) / math.MaxInt16 * h
		sum += h
	}
	out := make([]toneLevel, len(freqs))
	for k, f := range freqs {
		out[k] = toneLevel{Freq: f, DBFS: math.Inf(-1)}
		if sum == 0 {
			continue
		}
		w := 2 * math.Pi * f / sampleRate
		coeff := 2 * math.Cos(w)
		var s1, s2 float64
		for _, v := range x {
			s1, s2 = v+coeff*s1-s2, s1
		}
		amp := 2 * math.Hypot(s1-s2*math.Cos(w), s2*math.Sin(w)) / sum
		if amp > 0 {
			out[k].DBFS = 20 * math.Log10(amp)
		}
	}
	return out
}
