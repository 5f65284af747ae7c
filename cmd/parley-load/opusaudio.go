package main

import (
	"fmt"
	"math"
	"sync"

	"github.com/parleyhq/parley/media/opus"
)

// The browser legs' audio: the same tones, silence and marker as the
// phones', at 48 kHz, encoded with libopus once per run and looped like
// the phones' µ-law frames, each frame with its RFC 6464 audio level.

// talkLevel is the RFC 6464 level (-dBov) of a talker's frame: a sine at
// toneDBFS peak is 3 dB lower in RMS.
const talkLevel = byte(-toneDBFS + 3)

// silentLevel is RFC 6464's level of silence, -127 dBov.
const silentLevel = 127

// opusStream is one looped second (silence: one frame) of Opus payloads
// and their audio levels.
type opusStream struct {
	frames [][]byte
	levels []byte
}

// opusAudio encodes each stream once and hands it to every leg that sends
// it.
type opusAudio struct {
	mu      sync.Mutex
	streams map[[2]float64]opusStream // by {freq, marker}; freq 0: silence; guarded by mu
}

// stream returns the Opus frames of a tone at freq Hz (0: silence), with
// the marker's pause when marker is set.
func (a *opusAudio) stream(freq float64, marker bool) (opusStream, error) {
	key := [2]float64{freq, float64(boolInt(marker))}
	a.mu.Lock()
	defer a.mu.Unlock()
	if s, ok := a.streams[key]; ok {
		return s, nil
	}
	enc, err := opus.NewEncoder(opus.DefaultBitrate)
	if err != nil {
		return opusStream{}, fmt.Errorf("opus encoder: %w", err)
	}
	frames := framesPerSec
	if freq == 0 {
		frames = 1
	}
	amp := toneAmplitude() * math.MaxInt16
	pcm := make([]int16, opus.FrameSamples)
	var s opusStream
	// Two loops: the first warms the encoder up, the second is kept, so
	// that the loop's seam sounds like any other frame.
	for pass := range 2 {
		for f := range frames {
			level := byte(talkLevel)
			for i := range pcm {
				n := f*opus.FrameSamples + i
				pcm[i] = int16(math.Round(amp * math.Sin(2*math.Pi*freq*float64(n)/opus.SampleRate)))
			}
			if freq == 0 || (marker && f < markerGap) {
				clear(pcm)
				level = silentLevel
			}
			buf := make([]byte, opus.MaxPayload)
			n, err := enc.Encode(pcm, buf)
			if err != nil {
				return opusStream{}, fmt.Errorf("opus: %w", err)
			}
			if pass == 1 {
				s.frames = append(s.frames, buf[:n])
				s.levels = append(s.levels, level)
			}
		}
	}
	if a.streams == nil {
		a.streams = map[[2]float64]opusStream{}
	}
	a.streams[key] = s
	return s, nil
}
