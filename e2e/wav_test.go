package e2e

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// writeTone writes a mono 16-bit WAV of a sine at freq Hz with the given
// peak amplitude (0..1), for baresip's aufile microphone.
func writeTone(path string, rate int, freq, amplitude float64, seconds int) error {
	return writeTones(path, rate, amplitude, seconds, freq)
}

// writeTones is writeTone for a sum of sines, each of peak amplitude.
func writeTones(path string, rate int, amplitude float64, seconds int, freqs ...float64) error {
	n := rate * seconds
	data := make([]byte, 2*n)
	for i := 0; i < n; i++ {
		var v float64
		for _, freq := range freqs {
			v += amplitude * 32767 * math.Sin(2*math.Pi*freq*float64(i)/float64(rate))
		}
		binary.LittleEndian.PutUint16(data[2*i:], uint16(int16(math.Round(v))))
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	hdr := make([]byte, 44)
	copy(hdr[0:], "RIFF")
	binary.LittleEndian.PutUint32(hdr[4:], uint32(36+len(data)))
	copy(hdr[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(hdr[16:], 16)
	binary.LittleEndian.PutUint16(hdr[20:], 1) // PCM
	binary.LittleEndian.PutUint16(hdr[22:], 1) // mono
	binary.LittleEndian.PutUint32(hdr[24:], uint32(rate))
	binary.LittleEndian.PutUint32(hdr[28:], uint32(2*rate))
	binary.LittleEndian.PutUint16(hdr[32:], 2)
	binary.LittleEndian.PutUint16(hdr[34:], 16)
	copy(hdr[36:], "data")
	binary.LittleEndian.PutUint32(hdr[40:], uint32(len(data)))
	if _, err := f.Write(hdr); err != nil {
		return err
	}
	_, err = f.Write(data)
	return err
}

// readWAV reads a 16-bit PCM WAV and returns its first channel as floats in
// [-1, 1] and its sample rate.
func readWAV(path string) ([]float64, int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, 0, errors.New("not a RIFF/WAVE file")
	}
	var rate, channels, bits int
	for off := 12; off+8 <= len(b); {
		id := string(b[off : off+4])
		size := int(binary.LittleEndian.Uint32(b[off+4:]))
		body := b[off+8:]
		if size > len(body) {
			size = len(body) // recorders killed mid-file leave a stale size
		}
		switch id {
		case "fmt ":
			if size < 16 {
				return nil, 0, errors.New("short fmt chunk")
			}
			channels = int(binary.LittleEndian.Uint16(body[2:]))
			rate = int(binary.LittleEndian.Uint32(body[4:]))
			bits = int(binary.LittleEndian.Uint16(body[14:]))
		case "data":
			if bits != 16 || channels < 1 {
				return nil, 0, fmt.Errorf("want 16-bit PCM, have %d bits, %d channels", bits, channels)
			}
			frames := size / (2 * channels)
			out := make([]float64, frames)
			for i := range out {
				out[i] = float64(int16(binary.LittleEndian.Uint16(body[2*i*channels:]))) / 32768
			}
			return out, rate, nil
		}
		off += 8 + size + size%2
	}
	return nil, 0, io.ErrUnexpectedEOF
}

// wavRate returns a WAV file's sample rate.
func wavRate(path string) (int, error) {
	_, rate, err := readWAV(path)
	return rate, err
}

// toneFile writes a tone WAV (see writeTone) named name into a temporary
// directory of the test and returns its path.
func toneFile(t *testing.T, name string, rate int, freq, amplitude float64, seconds int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := writeTone(path, rate, freq, amplitude, seconds); err != nil {
		t.Fatal(err)
	}
	return path
}
