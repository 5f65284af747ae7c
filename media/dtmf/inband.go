package dtmf

import (
	"errors"
	"fmt"
	"math"
)

// ErrDetectorRate is returned, wrapped, by NewDetector for a sample rate it
// does not support.
var ErrDetectorRate = errors.New("dtmf: unsupported detector sample rate")

// The DTMF frequency groups (ITU-T Q.23): the low group selects the row of
// the keypad, the high group the column.
var (
	rowFreqs = [4]float64{697, 770, 852, 941}
	colFreqs = [4]float64{1209, 1336, 1477, 1633}
	keypad   = [4][4]rune{
		{'1', '2', '3', 'A'},
		{'4', '5', '6', 'B'},
		{'7', '8', '9', 'C'},
		{'*', '0', '#', 'D'},
	}
)

// The detector's limits, after ITU-T Q.24 and the classic detectors built
// on it. Levels are in dBFS, where 0 dBFS is a full-scale sine (about
// +3 dBm0 for G.711).
const (
	// blockSamples8k is the analysis block at 8 kHz: 102 samples
	// (12.75 ms), enough to resolve the 70 Hz between adjacent rows while
	// fitting two whole blocks into the 40 ms a tone must be accepted at.
	blockSamples8k = 102
	// MinToneLevel is the weakest tone, per frequency, the detector
	// accepts, in dBFS (about -43 dBm0).
	MinToneLevel = -40.0
	// MaxNormalTwist is how far, in dB, the low-group (row) tone may be
	// above the high-group (column) tone.
	MaxNormalTwist = 8.0
	// MaxReverseTwist is how far, in dB, the high-group (column) tone may
	// be above the low-group (row) tone.
	MaxReverseTwist = 4.0
	// minPeakRatio is how far, in dB, each detected tone must stand above
	// the other three frequencies of its group.
	minPeakRatio = 8.0
	// minTotalShare is the least share of a block's power the two tones
	// must carry together (-2.2 dB): speech and music spread theirs wider.
	minTotalShare = 0.6
)

// Detector finds DTMF digits sent in-band, as audio tones, for phones that
// do not send RTP telephone events. It runs the Goertzel algorithm for the
// eight DTMF frequencies over consecutive blocks of 12.75 ms (102 samples
// at 8 kHz) and applies the checks of ITU-T Q.24 to each block: both tones
// above MinToneLevel, a twist within MaxNormalTwist and MaxReverseTwist,
// each tone 8 dB above the other frequencies of its group, and the pair
// carrying at least 60% of the block's power, which rejects speech, music
// and single tones.
//
// A digit is reported when two consecutive blocks agree on it (so a tone of
// 40 ms is always seen, whatever its alignment), once per key press; the
// press ends after two blocks without it (about 25 ms), so repeated presses
// of the same key need a pause of at least that between them. One block
// that disagrees in the middle of a tone (a click, a lost packet) does not
// end it.
//
// A Detector keeps its state across calls, so audio may come in frames of
// any length. It is not safe for concurrent use.
type Detector struct {
	rate  int
	block int        // samples per analysis block
	coef  [8]float64 // 2cos(2πf/rate) for the rows, then the columns
	buf   []float64  // the current chunk as floats, len block

	// The running block.
	s1, s2 [8]float64 // Goertzel state per frequency
	energy float64    // sum of squares of the block's samples
	n      int        // samples in the block so far

	last rune // the previous block's hit, 0 for none
	cur  rune // the digit being pressed, 0 for none

	minPower float64 // power of a sine at MinToneLevel
}

// NewDetector returns a detector for mono 16-bit PCM at rate Hz, which must
// be a multiple of 8000 up to 48000 (8 kHz for G.711, 48 kHz for Opus). The
// analysis block is 12.75 ms at every rate.
func NewDetector(rate int) (*Detector, error) {
	if rate < 8000 || rate > 48000 || rate%8000 != 0 {
		return nil, fmt.Errorf("%w: %d Hz", ErrDetectorRate, rate)
	}
	block := blockSamples8k * rate / 8000
	d := &Detector{
		rate:  rate,
		block: block,
		buf:   make([]float64, block),
	}
	for i, f := range rowFreqs {
		d.coef[i] = 2 * math.Cos(2*math.Pi*f/float64(rate))
	}
	for i, f := range colFreqs {
		d.coef[4+i] = 2 * math.Cos(2*math.Pi*f/float64(rate))
	}
	amp := 32767 * math.Pow(10, MinToneLevel/20)
	d.minPower = amp * amp / 2
	return d, nil
}

// SampleRate returns the rate, in Hz, the detector was made for.
func (d *Detector) SampleRate() int { return d.rate }

// Process analyses pcm, which continues the audio of the previous call, and
// appends to dst the digits whose key press it recognised, each once. At
// most one digit is found per 50 ms of audio. Process does not allocate
// unless dst must grow.
func (d *Detector) Process(dst []rune, pcm []int16) []rune {
	for len(pcm) > 0 {
		m := min(len(pcm), d.block-d.n)
		x := d.buf[:m]
		e := d.energy
		for i, v := range pcm[:m] {
			f := float64(v)
			x[i] = f
			e += f * f
		}
		d.energy = e
		goertzel4(x, (*[4]float64)(d.coef[:4]), (*[4]float64)(d.s1[:4]), (*[4]float64)(d.s2[:4]))
		goertzel4(x, (*[4]float64)(d.coef[4:]), (*[4]float64)(d.s1[4:]), (*[4]float64)(d.s2[4:]))
		d.n += m
		pcm = pcm[m:]
		if d.n == d.block {
			hit := d.classify()
			d.s1, d.s2, d.energy, d.n = [8]float64{}, [8]float64{}, 0, 0
			// Two blocks in a row must agree before the state changes,
			// to a new digit or to none.
			if hit == d.last && hit != d.cur {
				d.cur = hit
				if hit != 0 {
					dst = append(dst, hit)
				}
			}
			d.last = hit
		}
	}
	return dst
}

// goertzel4 runs four Goertzel filters over x, continuing from the state
// in s1 and s2. The four recurrences are independent, so interleaving them
// keeps the processor's pipelines full where one alone would wait on its
// own previous result.
func goertzel4(x []float64, coef, s1, s2 *[4]float64) {
	c0, c1, c2, c3 := coef[0], coef[1], coef[2], coef[3]
	a1, b1, c1s, d1 := s1[0], s1[1], s1[2], s1[3]
	a2, b2, c2s, d2 := s2[0], s2[1], s2[2], s2[3]
	for _, f := range x {
		a1, a2 = f+c0*a1-a2, a1
		b1, b2 = f+c1*b1-b2, b1
		c1s, c2s = f+c2*c1s-c2s, c1s
		d1, d2 = f+c3*d1-d2, d1
	}
	s1[0], s1[1], s1[2], s1[3] = a1, b1, c1s, d1
	s2[0], s2[1], s2[2], s2[3] = a2, b2, c2s, d2
}

// Reset forgets the audio seen so far, for a stream that resumes after a
// silence: the partial block, and the digit being pressed.
func (d *Detector) Reset() {
	d.s1, d.s2, d.energy, d.n = [8]float64{}, [8]float64{}, 0, 0
	d.last, d.cur = 0, 0
}

// classify returns the digit the completed block holds, or 0.
func (d *Detector) classify() rune {
	if d.energy == 0 {
		return 0
	}
	// The power of each frequency, in the same units as the block's mean
	// square: a sine of amplitude A gives |X|² = (AN/2)², power A²/2.
	var p [8]float64
	norm := 2 / float64(d.block*d.block)
	for k := range p {
		s1, s2 := d.s1[k], d.s2[k]
		p[k] = (s1*s1 + s2*s2 - d.coef[k]*s1*s2) * norm
	}
	row, col := argmax(p[:4]), argmax(p[4:])
	pr, pc := p[row], p[4+col]
	if pr < d.minPower || pc < d.minPower {
		return 0
	}
	// Twist, as Q.24 tolerates it.
	if pr > pc*normalTwist || pc > pr*reverseTwist {
		return 0
	}
	// Each tone stands out in its group.
	for i := range 4 {
		if i != row && p[i]*peakRatio > pr {
			return 0
		}
		if i != col && p[4+i]*peakRatio > pc {
			return 0
		}
	}
	// The pair carries most of the power.
	if pr+pc < minTotalShare*d.energy/float64(d.block) {
		return 0
	}
	return keypad[row][col]
}

// The limits as power ratios.
var (
	normalTwist  = dB(MaxNormalTwist)
	reverseTwist = dB(MaxReverseTwist)
	peakRatio    = dB(minPeakRatio)
)

func argmax(p []float64) int {
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	return best
}

// dB returns the power ratio of x decibels.
func dB(x float64) float64 { return math.Pow(10, x/10) }
