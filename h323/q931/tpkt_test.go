package q931

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestTPKTReader reads packets one at a time from streams cut anywhere.
func TestTPKTReader(t *testing.T) {
	stream, _ := hex.DecodeString("0300000701020303000004" + "030000050a")
	for name, r := range map[string]io.Reader{
		"whole":     bytes.NewReader(stream),
		"one octet": iotest.OneByteReader(bytes.NewReader(stream)),
	} {
		t.Run(name, func(t *testing.T) {
			tr := NewTPKTReader(r, 0)
			for _, want := range []string{"010203", "0a"} { // the keep-alive is skipped
				p, err := tr.Next()
				if err != nil {
					t.Fatal(err)
				}
				if hex.EncodeToString(p) != want {
					t.Errorf("payload %x, want %s", p, want)
				}
			}
			if p, err := tr.Next(); err != io.EOF {
				t.Errorf("at the end: %x, %v; want io.EOF", p, err)
			}
		})
	}
}

// TestTPKTReaderErrors refuses broken framing, and keeps refusing after.
func TestTPKTReaderErrors(t *testing.T) {
	tests := []struct {
		name, hex string
		max       int
		want      string
		is        error
	}{
		{"version", "04000005ff", 0, "want version 3", nil},
		{"reserved", "03010005ff", 0, "reserved 0", nil},
		{"length below header", "03000003", 0, "tpkt length 3", nil},
		{"above max", "030000090102030405", 4, "5 octets, at most 4", ErrTooLarge},
		{"truncated header", "0300", 0, "tpkt header", io.ErrUnexpectedEOF},
		{"truncated payload", "0300000801", 0, "payload of 4 octets", io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := hex.DecodeString(tt.hex)
			tr := NewTPKTReader(bytes.NewReader(b), tt.max)
			p, err := tr.Next()
			if err == nil {
				t.Fatalf("read %x, want an error", p)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not wrap %v", err, tt.is)
			}
			if _, again := tr.Next(); again != err {
				t.Errorf("second Next: %v, want the same error %v", again, err)
			}
		})
	}
}

// countingWriter records each Write call.
type countingWriter struct{ writes [][]byte }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes = append(w.writes, bytes.Clone(p))
	return len(p), nil
}

func TestWriteTPKT(t *testing.T) {
	var w countingWriter
	if err := WriteTPKT(&w, []byte{8, 2}); err != nil {
		t.Fatal(err)
	}
	if len(w.writes) != 1 || hex.EncodeToString(w.writes[0]) != "030000060802" {
		t.Errorf("writes %x, want one 030000060802", w.writes)
	}
	max := make([]byte, MaxTPKTPayload)
	var buf bytes.Buffer
	if err := WriteTPKT(&buf, max); err != nil {
		t.Fatal(err)
	}
	if p, err := NewTPKTReader(&buf, 0).Next(); err != nil || len(p) != MaxTPKTPayload {
		t.Errorf("largest packet read back as %d octets, %v", len(p), err)
	}
	if err := WriteTPKT(&w, make([]byte, MaxTPKTPayload+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized payload: %v, want ErrTooLarge", err)
	}
	if err := WriteTPKT(&w, nil); err == nil {
		t.Error("empty payload written, want an error")
	}
}
