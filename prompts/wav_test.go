package prompts

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite the seed corpus in testdata/fuzz/FuzzParseWAV")

// chunk is one RIFF chunk for the test files riff builds.
type chunk struct {
	id   string
	data []byte
}

// riff returns a RIFF WAVE file of the chunks, each padded to even length.
func riff(chunks ...chunk) []byte {
	var body bytes.Buffer
	body.WriteString("WAVE")
	for _, c := range chunks {
		body.WriteString(c.id)
		binary.Write(&body, binary.LittleEndian, uint32(len(c.data)))
		body.Write(c.data)
		if len(c.data)%2 == 1 {
			body.WriteByte(0)
		}
	}
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(body.Len()))
	b.Write(body.Bytes())
	return b.Bytes()
}

// fmtChunk returns a 16-byte WAVEFORMATEX fmt chunk.
func fmtChunk(tag, channels uint16, rate uint32, bits uint16) chunk {
	b := binary.LittleEndian.AppendUint16(nil, tag)
	b = binary.LittleEndian.AppendUint16(b, channels)
	b = binary.LittleEndian.AppendUint32(b, rate)
	align := channels * bits / 8
	b = binary.LittleEndian.AppendUint32(b, rate*uint32(align))
	b = binary.LittleEndian.AppendUint16(b, align)
	b = binary.LittleEndian.AppendUint16(b, bits)
	return chunk{"fmt ", b}
}

// extensibleFmt returns a 40-byte WAVEFORMATEXTENSIBLE fmt chunk for mono
// 16-bit audio whose sub-format is the standard GUID for subTag.
func extensibleFmt(rate uint32, validBits, subTag uint16) chunk {
	c := fmtChunk(tagExtensible, 1, rate, 16)
	b := binary.LittleEndian.AppendUint16(c.data, 22)
	b = binary.LittleEndian.AppendUint16(b, validBits)
	b = binary.LittleEndian.AppendUint32(b, 0x4) // front centre
	b = binary.LittleEndian.AppendUint16(b, subTag)
	b = append(b, extensibleGUIDTail...)
	return chunk{"fmt ", b}
}

// pcm returns the data chunk for samples.
func pcm(samples []int16) chunk {
	b := make([]byte, 0, 2*len(samples))
	for _, s := range samples {
		b = binary.LittleEndian.AppendUint16(b, uint16(s))
	}
	return chunk{"data", b}
}

// encodeWAV returns a mono 16-bit PCM WAV file of samples at rate Hz, laid
// out as sox writes one.
func encodeWAV(rate int, samples []int16) []byte {
	return riff(fmtChunk(tagPCM, 1, uint32(rate), 16), pcm(samples))
}

var testSamples = []int16{0, 1, -1, 32767, -32768, 1234, -4321}

// wavCase is a WAV file and what decodeWAV makes of it: the samples and
// rate, or an error wrapping want.
type wavCase struct {
	name    string
	b       []byte
	rate    int
	samples []int16
	want    error
}

func wavCases() []wavCase {
	good := encodeWAV(16000, testSamples)
	withTrailing := append(slices.Clone(good), "trailing junk"...)
	// An odd-sized last chunk whose pad byte is missing.
	noPad := riff(fmtChunk(tagPCM, 1, 8000, 16), pcm(testSamples), chunk{"note", []byte("odd")})
	noPad = noPad[:len(noPad)-1]
	binary.LittleEndian.PutUint32(noPad[4:], uint32(len(noPad)-8))
	truncated := good[:len(good)-3]
	riffLies := slices.Clone(truncated) // RIFF size consistent, data size not
	binary.LittleEndian.PutUint32(riffLies[4:], uint32(len(riffLies)-8))
	oddData := riff(fmtChunk(tagPCM, 1, 16000, 16), chunk{"data", []byte{1, 2, 3}})
	badAlign := fmtChunk(tagPCM, 1, 16000, 16)
	binary.LittleEndian.PutUint16(badAlign.data[12:], 4)
	oddGUID := extensibleFmt(16000, 16, tagPCM)
	oddGUID.data[39] ^= 0xFF
	shortExt := extensibleFmt(16000, 16, tagPCM)
	shortExt.data = shortExt.data[:30]

	return []wavCase{
		{name: "8 kHz", b: encodeWAV(8000, testSamples), rate: 8000, samples: testSamples},
		{name: "16 kHz", b: good, rate: 16000, samples: testSamples},
		{name: "48 kHz", b: encodeWAV(48000, testSamples), rate: 48000, samples: testSamples},
		{name: "one sample", b: encodeWAV(16000, []int16{-2}), rate: 16000, samples: []int16{-2}},
		{name: "other chunks, odd sized, padded", b: riff(chunk{"LIST", []byte("INFOISFT\x03\x00\x00\x00Lavf")}, chunk{"junk", []byte{9}},
			fmtChunk(tagPCM, 1, 16000, 16), chunk{"fact", []byte{7, 0, 0, 0}}, pcm(testSamples), chunk{"id3 ", []byte("abc")}), rate: 16000, samples: testSamples},
		{name: "data before fmt", b: riff(pcm(testSamples), fmtChunk(tagPCM, 1, 48000, 16)), rate: 48000, samples: testSamples},
		{name: "pad byte missing after last chunk", b: noPad, rate: 8000, samples: testSamples},
		{name: "bytes after the RIFF end", b: withTrailing, rate: 16000, samples: testSamples},
		{name: "fmt with cbSize 0", b: riff(chunk{"fmt ", append(fmtChunk(tagPCM, 1, 16000, 16).data, 0, 0)}, pcm(testSamples)), rate: 16000, samples: testSamples},
		{name: "extensible PCM", b: riff(extensibleFmt(16000, 16, tagPCM), pcm(testSamples)), rate: 16000, samples: testSamples},

		{name: "empty", b: nil, want: ErrMalformed},
		{name: "shorter than a header", b: []byte("RIFF\x04\x00\x00\x00WAV"), want: ErrMalformed},
		{name: "not RIFF", b: append([]byte("RIFX"), good[4:]...), want: ErrMalformed},
		{name: "not WAVE", b: append([]byte("RIFF\x00\x00\x00\x00AVI "), good[12:]...), want: ErrMalformed},
		{name: "RIFF size too small", b: append([]byte("RIFF\x02\x00\x00\x00"), good[8:]...), want: ErrMalformed},
		{name: "truncated file", b: truncated, want: ErrMalformed},
		{name: "truncated data chunk", b: riffLies, want: ErrMalformed},
		{name: "partial chunk header", b: func() []byte {
			b := append(slices.Clone(good), "LIS"...)
			binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
			return b
		}(), want: ErrMalformed},
		{name: "no fmt", b: riff(pcm(testSamples)), want: ErrMalformed},
		{name: "no data", b: riff(fmtChunk(tagPCM, 1, 16000, 16)), want: ErrMalformed},
		{name: "two fmt", b: riff(fmtChunk(tagPCM, 1, 16000, 16), fmtChunk(tagPCM, 1, 16000, 16), pcm(testSamples)), want: ErrMalformed},
		{name: "two data", b: riff(fmtChunk(tagPCM, 1, 16000, 16), pcm(testSamples), pcm(testSamples)), want: ErrMalformed},
		{name: "short fmt", b: riff(chunk{"fmt ", fmtChunk(tagPCM, 1, 16000, 16).data[:14]}, pcm(testSamples)), want: ErrMalformed},
		{name: "short extensible fmt", b: riff(shortExt, pcm(testSamples)), want: ErrMalformed},
		{name: "odd data length", b: oddData, want: ErrMalformed},
		{name: "no samples", b: riff(fmtChunk(tagPCM, 1, 16000, 16), pcm(nil)), want: ErrMalformed},
		{name: "block align", b: riff(badAlign, pcm(testSamples)), want: ErrMalformed},

		{name: "stereo", b: riff(fmtChunk(tagPCM, 2, 16000, 16), pcm(testSamples[:6])), want: ErrUnsupportedFormat},
		{name: "8-bit", b: riff(fmtChunk(tagPCM, 1, 16000, 8), chunk{"data", []byte{1, 2}}), want: ErrUnsupportedFormat},
		{name: "24-bit", b: riff(fmtChunk(tagPCM, 1, 16000, 24), chunk{"data", make([]byte, 6)}), want: ErrUnsupportedFormat},
		{name: "float", b: riff(fmtChunk(3, 1, 16000, 32), chunk{"data", make([]byte, 8)}), want: ErrUnsupportedFormat},
		{name: "mu-law", b: riff(fmtChunk(7, 1, 8000, 8), chunk{"data", make([]byte, 8)}), want: ErrUnsupportedFormat},
		{name: "44100 Hz", b: encodeWAV(44100, testSamples), want: ErrUnsupportedFormat},
		{name: "22050 Hz", b: encodeWAV(22050, testSamples), want: ErrUnsupportedFormat},
		{name: "0 Hz", b: encodeWAV(0, testSamples), want: ErrUnsupportedFormat},
		{name: "extensible float", b: riff(extensibleFmt(16000, 16, 3), pcm(testSamples)), want: ErrUnsupportedFormat},
		{name: "extensible 12 valid bits", b: riff(extensibleFmt(16000, 12, tagPCM), pcm(testSamples)), want: ErrUnsupportedFormat},
		{name: "extensible odd GUID", b: riff(oddGUID, pcm(testSamples)), want: ErrUnsupportedFormat},
	}
}

func TestDecodeWAV(t *testing.T) {
	for _, tc := range wavCases() {
		t.Run(tc.name, func(t *testing.T) {
			c, err := decodeWAV(tc.b)
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Rate != tc.rate || !slices.Equal(c.Samples, tc.samples) {
				t.Errorf("got %d Hz %v, want %d Hz %v", c.Rate, c.Samples, tc.rate, tc.samples)
			}
		})
	}
}

// TestDecodeWAVTruncatedEverywhere cuts a good file at every length short
// of the whole and checks that each cut is an error, never a panic or a
// short clip.
func TestDecodeWAVTruncatedEverywhere(t *testing.T) {
	b := riff(chunk{"LIST", []byte("odd")}, fmtChunk(tagPCM, 1, 16000, 16), pcm(testSamples))
	for n := range len(b) {
		if _, err := decodeWAV(b[:n]); !errors.Is(err, ErrMalformed) {
			t.Errorf("cut at %d of %d bytes: err = %v, want ErrMalformed", n, len(b), err)
		}
	}
}

// FuzzParseWAV checks that decodeWAV never panics, that every error wraps
// one of the two sentinels, and that whatever it accepts survives being
// written back out and read again.
func FuzzParseWAV(f *testing.F) {
	for _, tc := range wavCases() {
		f.Add(tc.b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodeWAV(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupportedFormat) {
				t.Fatalf("error wraps neither sentinel: %v", err)
			}
			return
		}
		if !supportedRate(c.Rate) || len(c.Samples) == 0 || 2*len(c.Samples) > len(b) {
			t.Fatalf("accepted %d samples at %d Hz from %d bytes", len(c.Samples), c.Rate, len(b))
		}
		again, err := decodeWAV(encodeWAV(c.Rate, c.Samples))
		if err != nil || again.Rate != c.Rate || !slices.Equal(again.Samples, c.Samples) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// TestFuzzCorpus writes the seed corpus when run with -update-corpus, and
// otherwise checks that it is there.
func TestFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzParseWAV")
	if *updateCorpus {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, tc := range wavCases() {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(tc.b)))
			slug := strings.Map(func(r rune) rune {
				if unicode.IsLetter(r) || unicode.IsDigit(r) {
					return unicode.ToLower(r)
				}
				return '-'
			}, tc.name)
			name := filepath.Join(dir, slug)
			if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) < 10 {
		t.Fatalf("seed corpus in %s: %d files, %v; run go test -run TestFuzzCorpus -update-corpus", dir, len(entries), err)
	}
}
