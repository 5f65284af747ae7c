package dtmf

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseEvent(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		want    Event
		err     error
	}{
		{"digit 5 start", []byte{0x05, 0x0a, 0x00, 0xa0}, Event{Code: 5, Volume: 10, Duration: 160}, nil},
		{"digit # end", []byte{0x0b, 0x8a, 0x03, 0x20}, Event{Code: 11, End: true, Volume: 10, Duration: 800}, nil},
		{"reserved bit ignored", []byte{0x01, 0xff, 0xff, 0xff}, Event{Code: 1, End: true, Volume: 63, Duration: 0xffff}, nil},
		{"flash, not a digit", []byte{16, 0x00, 0x00, 0x00}, Event{Code: 16}, nil},
		{"two packed reports", []byte{0x01, 0x80, 0x00, 0x50, 0x02, 0x00, 0x00, 0x50}, Event{Code: 1, End: true, Duration: 80}, nil},
		{"empty", nil, Event{}, ErrShortPayload},
		{"three bytes", []byte{1, 2, 3}, Event{}, ErrShortPayload},
		{"five bytes", []byte{1, 2, 3, 4, 5}, Event{}, ErrInvalidPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEvent(tt.payload)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error = %v, want %v", err, tt.err)
			}
			if got != tt.want {
				t.Errorf("event = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestAppendTo(t *testing.T) {
	e := Event{Code: 11, End: true, Volume: 10, Duration: 800}
	if got, want := e.AppendTo(nil), []byte{0x0b, 0x8a, 0x03, 0x20}; !bytes.Equal(got, want) {
		t.Errorf("AppendTo = %x, want %x", got, want)
	}
	if got := (Event{Volume: 200}).AppendTo(nil); got[1] != MaxVolume {
		t.Errorf("volume 200 encoded as %d, want %d", got[1], MaxVolume)
	}
}

func TestDigit(t *testing.T) {
	const digits = "0123456789*#ABCD"
	for code := 0; code < 256; code++ {
		d, ok := Digit(uint8(code))
		if code < len(digits) {
			if !ok || d != rune(digits[code]) {
				t.Errorf("Digit(%d) = %q, %v; want %q", code, d, ok, digits[code])
			}
		} else if ok {
			t.Errorf("Digit(%d) = %q, want none", code, d)
		}
	}
}

func FuzzParseEvent(f *testing.F) {
	f.Add([]byte{0x05, 0x0a, 0x00, 0xa0})
	f.Add([]byte{0x0b, 0x8a, 0x03, 0x20})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, payload []byte) {
		e, err := ParseEvent(payload)
		if err != nil {
			if !errors.Is(err, ErrShortPayload) && !errors.Is(err, ErrInvalidPayload) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		// Re-encoding gives the first report back, less the R bit.
		want := []byte{payload[0], payload[1] &^ 0x40, payload[2], payload[3]}
		if got := e.AppendTo(nil); !bytes.Equal(got, want) {
			t.Fatalf("round trip of %x gave %x", want, got)
		}
		var r Receiver
		if _, _, err := r.Receive(0, true, payload); err != nil {
			t.Fatalf("Receive rejected what ParseEvent accepted: %v", err)
		}
	})
}
