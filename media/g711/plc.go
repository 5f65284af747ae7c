package g711

import "math"

// The constants of ITU-T G.711 Appendix I (09/1999), "A high quality
// low-complexity algorithm for packet loss concealment with G.711", for
// 8 kHz. Names follow the Appendix's reference code (class LowcFE).
const (
	plcFrame     = 80                           // FRAMESZ: 10 ms, the unit of concealment
	pitchMin     = 40                           // PITCH_MIN: 5 ms, 200 Hz
	pitchMax     = 120                          // PITCH_MAX: 15 ms, 66.7 Hz
	pitchDiff    = pitchMax - pitchMin          // PITCHDIFF
	overlapMax   = pitchMax >> 2                // POVERLAPMAX: 3.75 ms
	historyLen   = pitchMax*3 + overlapMax      // HISTORYLEN: 48.75 ms
	ndec         = 2                            // NDEC: decimation of the coarse pitch search
	corrLen      = 160                          // CORRLEN: 20 ms correlation window
	corrBufLen   = corrLen + pitchMax           // CORRBUFLEN
	corrMinPower = 250                          // CORRMINPOWER: floor on the energy normaliser
	eOverlapIncr = 32                           // EOVERLAPINCR: 4 ms more merge per 10 ms lost
	attenFac     = 0.2                          // ATTENFAC: 20% less per 10 ms after the first
	attenIncr    = attenFac / float32(plcFrame) // ATTENINCR: the same, per sample
)

// PLCDelay is the delay, in samples, that G.711 Appendix I adds to the
// signal: 3.75 ms, a quarter of the longest pitch period. Holding back that
// much of every received frame lets the first concealed frame overlap-add
// into the tail of the last good one without a click.
const PLCDelay = overlapMax

// PLC conceals lost 8 kHz frames with the packet-loss concealment of ITU-T
// G.711 Appendix I. Every frame, good or lost, passes through it in order.
// When a frame is lost PLC estimates the pitch period of the last 20 ms by
// normalised cross-correlation and repeats the last pitch period (one, then
// two, then three periods for longer losses), joined by overlap-add. The
// substitute is played at full level for the first 10 ms, then attenuated
// linearly by 20% per 10 ms, and is silence from 60 ms on. The first good
// frame after a loss is cross-faded with the continuing substitute over a
// span that grows with the length of the loss.
//
// The zero value is ready to use. A PLC is not safe for concurrent use.
type PLC struct {
	// history holds the last historyLen samples received or synthesised;
	// the newest PLCDelay of them have not been played yet.
	history [historyLen]int16
	// pitchbuf is history as floats, with its tail rewritten for looping.
	pitchbuf [historyLen]float32
	// lastq is the original last quarter period of pitchbuf.
	lastq [overlapMax]float32

	erasecnt  int // 10 ms units lost in a row
	pitch     int // estimated pitch period, in samples
	poverlap  int // overlap-add length: a quarter of pitch
	poffset   int // read offset within the looped pitch buffer
	pitchblen int // length of the looped pitch buffer: 1 to 3 periods
}

// Receive passes a correctly received frame of any length through the
// concealer, in place: pcm is replaced by the signal PLCDelay samples
// earlier, and if frames were lost just before, its start is cross-faded
// from the substitute into the real signal.
func (p *PLC) Receive(pcm []int16) {
	for len(pcm) > 0 {
		n := min(len(pcm), plcFrame)
		p.addToHistory(pcm[:n])
		pcm = pcm[n:]
	}
}

// Conceal fills pcm with a substitute for lost signal, also delayed by
// PLCDelay samples. Loss is counted in 10 ms units, so len(pcm) should be a
// multiple of 80 samples; a shorter remainder counts as a whole 10 ms.
func (p *PLC) Conceal(pcm []int16) {
	for len(pcm) > 0 {
		n := min(len(pcm), plcFrame)
		p.conceal(pcm[:n])
		pcm = pcm[n:]
	}
}

// addToHistory is the Appendix's addtohistory for up to plcFrame samples.
func (p *PLC) addToHistory(s []int16) {
	if p.erasecnt > 0 {
		var buf [plcFrame]int16
		olen := min(p.poverlap+(p.erasecnt-1)*eOverlapIncr, plcFrame, len(s))
		p.synth(buf[:olen])
		p.overlapAddAtEnd(s[:olen], buf[:olen])
		p.erasecnt = 0
	}
	p.save(s)
}

// conceal is the Appendix's dofe for up to plcFrame samples.
func (p *PLC) conceal(out []int16) {
	switch {
	case p.erasecnt == 0:
		// The loss starts: find the pitch and loop its last period.
		for i, s := range p.history {
			p.pitchbuf[i] = float32(s)
		}
		p.pitch = p.findPitch()
		p.poverlap = p.pitch >> 2
		tail := p.pitchbuf[historyLen-p.poverlap:]
		copy(p.lastq[:], tail)
		p.poffset = 0
		p.pitchblen = p.pitch
		p.loopPitchBuffer()
		// The unplayed end of history is rewritten so that the real
		// signal flows into the substitute.
		for i, v := range tail {
			p.history[historyLen-p.poverlap+i] = toInt16(v)
		}
		p.synth(out)
	case p.erasecnt == 1 || p.erasecnt == 2:
		// Widen the loop by one pitch period, to avoid a buzzy
		// repetition, and cross-fade from the old loop into the new one.
		var tmp [overlapMax]int16
		old := tmp[:min(p.poverlap, len(out))]
		save := p.poffset
		p.synth(old)
		p.poffset = save
		for p.poffset > p.pitch {
			p.poffset -= p.pitch
		}
		p.pitchblen += p.pitch
		p.loopPitchBuffer()
		p.synth(out)
		overlapAdd(old, out[:len(old)], out[:len(old)])
		p.attenuate(out)
	case p.erasecnt > 5:
		clear(out)
	default:
		p.synth(out)
		p.attenuate(out)
	}
	p.erasecnt++
	p.save(out)
}

// loopPitchBuffer cross-fades the last quarter period of pitchbuf into the
// quarter period before the loop's start, so that its end runs smoothly
// into its start.
func (p *PLC) loopPitchBuffer() {
	start := historyLen - p.pitchblen
	tail := p.pitchbuf[historyLen-p.poverlap:]
	before := p.pitchbuf[start-p.poverlap : start]
	incr := 1 / float32(p.poverlap)
	lw, rw := 1-incr, incr
	for i := range tail {
		tail[i] = clamp(lw*p.lastq[i] + rw*before[i])
		lw -= incr
		rw += incr
	}
}

// synth copies the next len(out) samples of the looped pitch buffer to out
// (the Appendix's getfespeech).
func (p *PLC) synth(out []int16) {
	start := historyLen - p.pitchblen
	for i := range out {
		out[i] = toInt16(p.pitchbuf[start+p.poffset])
		p.poffset++
		if p.poffset == p.pitchblen {
			p.poffset = 0
		}
	}
}

// attenuate applies the linear fade for the current 10 ms of loss: from
// 1-0.2*(erasecnt-1) down by 20% over 10 ms (the Appendix's scalespeech).
func (p *PLC) attenuate(out []int16) {
	g := 1 - float32(p.erasecnt-1)*attenFac
	for i, s := range out {
		out[i] = toInt16(float32(s) * g)
		g -= attenIncr
	}
}

// overlapAddAtEnd cross-fades s, the first good samples after a loss, from
// the attenuated substitute f into the real signal.
func (p *PLC) overlapAddAtEnd(s, f []int16) {
	incr := 1 / float32(len(s))
	gain := max(0, 1-float32(p.erasecnt-1)*attenFac)
	incrg := incr * gain
	lw, rw := (1-incr)*gain, incr
	for i := range s {
		s[i] = toInt16(lw*float32(f[i]) + rw*float32(s[i]))
		lw -= incrg
		rw += incr
	}
}

// overlapAdd writes into o the linear cross-fade from l to r.
func overlapAdd(l, r, o []int16) {
	incr := 1 / float32(len(l))
	lw, rw := 1-incr, incr
	for i := range l {
		o[i] = toInt16(lw*float32(l[i]) + rw*float32(r[i]))
		lw -= incr
		rw += incr
	}
}

// save appends s to history and replaces it with the samples PLCDelay
// earlier (the Appendix's savespeech).
func (p *PLC) save(s []int16) {
	n := len(s)
	copy(p.history[:], p.history[n:])
	copy(p.history[historyLen-n:], s)
	copy(s, p.history[historyLen-n-overlapMax:historyLen-overlapMax])
}

// findPitch estimates the pitch period of the newest corrLen samples of
// pitchbuf as the lag, between pitchMin and pitchMax, that maximises the
// energy-normalised cross-correlation: first at every ndec-th lag on every
// ndec-th sample, then at full resolution around the best coarse lag.
func (p *PLC) findPitch() int {
	l := p.pitchbuf[historyLen-corrLen:]
	r := p.pitchbuf[historyLen-corrBufLen:]
	score := func(corr, energy float32) float32 {
		return corr / float32(math.Sqrt(float64(max(energy, corrMinPower))))
	}

	// Coarse search.
	var energy, corr float32
	for i := 0; i < corrLen; i += ndec {
		energy += r[i] * r[i]
		corr += r[i] * l[i]
	}
	best, bestmatch := score(corr, energy), 0
	for j := ndec; j <= pitchDiff; j += ndec {
		energy += r[j-ndec+corrLen]*r[j-ndec+corrLen] - r[j-ndec]*r[j-ndec]
		corr = 0
		for i := 0; i < corrLen; i += ndec {
			corr += r[j+i] * l[i]
		}
		if c := score(corr, energy); c >= best {
			best, bestmatch = c, j
		}
	}

	// Fine search around the coarse best.
	lo := max(bestmatch-(ndec-1), 0)
	hi := min(bestmatch+(ndec-1), pitchDiff)
	energy, corr = 0, 0
	for i := range corrLen {
		energy += r[lo+i] * r[lo+i]
		corr += r[lo+i] * l[i]
	}
	best, bestmatch = score(corr, energy), lo
	for j := lo + 1; j <= hi; j++ {
		energy += r[j-1+corrLen]*r[j-1+corrLen] - r[j-1]*r[j-1]
		corr = 0
		for i := range corrLen {
			corr += r[j+i] * l[i]
		}
		if c := score(corr, energy); c > best {
			best, bestmatch = c, j
		}
	}
	return pitchMax - bestmatch
}

// clamp limits v to the int16 range.
func clamp(v float32) float32 {
	return min(max(v, math.MinInt16), math.MaxInt16)
}

// toInt16 rounds v to the nearest sample value, saturating.
func toInt16(v float32) int16 {
	v = clamp(v)
	if v >= 0 {
		return int16(v + 0.5)
	}
	return int16(v - 0.5)
}
