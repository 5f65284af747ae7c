package dtmf

import (
	"errors"
	"strings"
	"testing"
)

func TestParseInfo(t *testing.T) {
	const relay, plain = "application/dtmf-relay", "application/dtmf"
	tests := []struct {
		name, ct, body string
		want           rune
		err            error // nil, ErrBadInfo or ErrInfoType
	}{
		{"relay CRLF", relay, "Signal=5\r\nDuration=160\r\n", '5', nil},
		{"relay LF", relay, "Signal=9\nDuration=250\n", '9', nil},
		{"relay no final newline", relay, "Signal=1\r\nDuration=100", '1', nil},
		{"relay signal only", relay, "Signal=#", '#', nil},
		{"relay spaces", relay, "Signal= *\r\nDuration= 160\r\n", '*', nil},
		{"relay spaces around key", relay, "  Signal  =  7  \r\n", '7', nil},
		{"relay key case", relay, "SIGNAL=3\r\nduration=160\r\n", '3', nil},
		{"relay duration first", relay, "Duration=160\r\nSignal=0\r\n", '0', nil},
		{"relay blank lines", relay, "\r\nSignal=2\r\n\r\n", '2', nil},
		{"relay code 10 is *", relay, "Signal=10\r\nDuration=160\r\n", '*', nil},
		{"relay code 11 is #", relay, "Signal=11\r\n", '#', nil},
		{"relay code 15 is D", relay, "Signal=15\r\n", 'D', nil},
		{"relay letter", relay, "Signal=A\r\n", 'A', nil},
		{"relay lower-case letter", relay, "Signal=d\r\n", 'D', nil},
		{"relay unknown key ignored", relay, "Signal=4\r\nVolume=10\r\n", '4', nil},
		{"content type case and params", "Application/DTMF-Relay; charset=utf-8", "Signal=6\r\n", '6', nil},
		{"content type spaces", "  application/dtmf-relay  ", "Signal=8\r\n", '8', nil},
		{"plain digit", plain, "5", '5', nil},
		{"plain with newline", plain, "#\r\n", '#', nil},
		{"plain code", plain, "10", '*', nil},
		{"plain code 0", plain, "0", '0', nil},
		{"plain code with zero", plain, "05", '5', nil},
		{"plain type case", "APPLICATION/DTMF;x=y", "b", 'B', nil},

		{"relay empty", relay, "", 0, ErrBadInfo},
		{"relay no signal", relay, "Duration=160\r\n", 0, ErrBadInfo},
		{"relay empty signal", relay, "Signal=\r\n", 0, ErrBadInfo},
		{"relay two signals", relay, "Signal=1\r\nSignal=2\r\n", 0, ErrBadInfo},
		{"relay line without =", relay, "Signal 5\r\n", 0, ErrBadInfo},
		{"relay code 16", relay, "Signal=16\r\n", 0, ErrBadInfo},
		{"relay two digits", relay, "Signal=12 3\r\n", 0, ErrBadInfo},
		{"relay negative", relay, "Signal=-1\r\n", 0, ErrBadInfo},
		{"relay letter E", relay, "Signal=E\r\n", 0, ErrBadInfo},
		{"relay long value", relay, "Signal=" + strings.Repeat("9", 100), 0, ErrBadInfo},
		{"plain empty", plain, "", 0, ErrBadInfo},
		{"plain relay body", plain, "Signal=5", 0, ErrBadInfo},
		{"plain 100", plain, "100", 0, ErrBadInfo},
		{"other type", "application/sdp", "v=0", 0, ErrInfoType},
		{"media control", "application/media_control+xml", "<media_control/>", 0, ErrInfoType},
		{"no type", "", "Signal=5", 0, ErrInfoType},
		{"type prefix only", "application/dtmf-relayx", "Signal=5", 0, ErrInfoType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseInfo(tt.ct, []byte(tt.body))
			switch {
			case tt.err == nil && err != nil:
				t.Fatalf("error %v", err)
			case tt.err != nil && (!errors.Is(err, tt.err) || !errors.Is(err, ErrBadInfo)):
				t.Fatalf("error %v, want %v", err, tt.err)
			case tt.err == ErrBadInfo && errors.Is(err, ErrInfoType):
				t.Fatalf("error %v is ErrInfoType for a supported type", err)
			}
			if got != tt.want {
				t.Errorf("digit %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzParseInfo(f *testing.F) {
	f.Add("application/dtmf-relay", []byte("Signal=5\r\nDuration=160\r\n"))
	f.Add("application/dtmf", []byte("#"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		d, err := ParseInfo(contentType, body)
		if err != nil {
			if !errors.Is(err, ErrBadInfo) {
				t.Fatalf("error %v does not wrap ErrBadInfo", err)
			}
			if d != 0 {
				t.Fatalf("digit %q with error %v", d, err)
			}
			return
		}
		if !strings.ContainsRune(allDigits, d) {
			t.Fatalf("digit %q is not a DTMF digit", d)
		}
		// The digit written back in either format parses to itself.
		for _, ct := range []string{InfoRelayType, InfoDTMFType} {
			body := string(d)
			if ct == InfoRelayType {
				body = "Signal=" + body + "\r\nDuration=160\r\n"
			}
			if d2, err := ParseInfo(ct, []byte(body)); err != nil || d2 != d {
				t.Fatalf("%s %q gave %q, %v; want %q", ct, body, d2, err, d)
			}
		}
	})
}
