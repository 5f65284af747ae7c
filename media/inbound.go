package media

import (
	"fmt"

	"github.com/pion/rtp"

	"github.com/parleyhq/parley/media/jitter"
)

// InboundConfig is what an edge chooses for a leg's inbound chain.
type InboundConfig struct {
	// Format is the audio encoding the leg receives.
	Format Format
	// Jitter tunes the jitter buffer; the zero value takes its defaults.
	Jitter jitter.Options
	// Counters are where the decoder counts (see DecodeCounters).
	Counters DecodeCounters
	// OnInbandDigit, if not nil, turns on the in-band DTMF tap and receives
	// its digits, on the goroutine that calls ReadAudio.
	OnInbandDigit func(rune)
}

// Inbound is a leg's receive chain, the same for every edge:
//
//	Push ─▶ jitter.Buffer ┄ ReadAudio: Pop ─▶ FrameDecoder ─▶ RateConverter ─▶ frame
//	                                              └─▶ InbandTap (decoded frames, codec rate)
//
// Push runs on the goroutine that receives packets, ReadAudio on the one
// that mixes (the mixer's tick, or an IVR loop); the jitter buffer is the
// only state they share.
type Inbound struct {
	jb   *jitter.Buffer
	dec  *FrameDecoder
	rate *RateConverter
	tap  *InbandTap // nil unless OnInbandDigit

	// Owned by ReadAudio's goroutine.
	popBuf []byte // payload out of the jitter buffer
	quiet  bool   // the last ReadAudio had no audio
}

// NewInbound assembles the receive chain for cfg.
func NewInbound(cfg InboundConfig) (*Inbound, error) {
	dec, err := NewFrameDecoder(cfg.Format, cfg.Counters)
	if err != nil {
		return nil, err
	}
	jb, err := jitter.New(cfg.Format.ClockRate, cfg.Jitter)
	if err != nil {
		return nil, fmt.Errorf("media: inbound: %w", err)
	}
	in := &Inbound{
		jb:     jb,
		dec:    dec,
		rate:   NewRateConverter(cfg.Format.SampleRate()),
		popBuf: make([]byte, 0, MaxPacketSize),
		quiet:  true,
	}
	if cfg.OnInbandDigit != nil {
		if in.tap, err = NewInbandTap(cfg.Format.SampleRate(), cfg.OnInbandDigit); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// Push buffers one received audio packet; its payload is copied.
func (in *Inbound) Push(pkt *rtp.Packet) { in.jb.Push(pkt) }

// StopInband turns the in-band tap off for good (see InbandTap.Stop); it
// may be called from any goroutine.
func (in *Inbound) StopInband() {
	if in.tap != nil {
		in.tap.Stop()
	}
}

// JitterStats returns the jitter buffer's counters.
func (in *Inbound) JitterStats() jitter.Stats { return in.jb.Stats() }

// ReadAudio fills frame with the leg's next 20 ms at rate Hz (len(frame)
// must be rate/50) and reports whether it holds audio, as the mixer's
// Participant.ReadAudio asks: a packet is decoded (and tapped), a lost one
// concealed, and nothing to play (before the first packet, or after a long
// silence) returns false with frame untouched; a silence resets the tap,
// and audio after it starts the resampler afresh. It does not allocate in
// steady state.
func (in *Inbound) ReadAudio(frame []int16, rate int) bool {
	if rate <= 0 || len(frame) != rate/FramesPerSecond {
		return false
	}
	f := in.jb.Pop(in.popBuf)
	if f.Kind == jitter.None {
		// Checked here, not left to the decoder: a silent leg costs
		// the pop alone.
		if in.tap != nil && !in.quiet {
			in.tap.Reset()
		}
		in.quiet = true
		return false
	}
	pcm, out := in.dec.Decode(f)
	switch out {
	case Silent, Failed:
		return false
	case Decoded:
		if in.tap != nil {
			in.tap.Frame(pcm)
		}
	}
	if !in.rate.Convert(pcm, frame, rate, in.quiet) {
		inc(in.dec.counters.Errors)
		return false
	}
	in.quiet = false
	return true
}
