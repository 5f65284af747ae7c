package webrtc

import (
	"testing"

	"github.com/pion/interceptor"
)

// bindCounter is an interceptor that counts the local streams bound to it
// and unbound from it.
type bindCounter struct {
	interceptor.NoOp
	bound, unbound int
}

func (c *bindCounter) BindLocalStream(_ *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	c.bound++
	return w
}

func (c *bindCounter) UnbindLocalStream(*interceptor.StreamInfo) { c.unbound++ }

// TestVideoOnlyBindsVideo checks that the estimator's wrapper hands it the
// video streams a PeerConnection sends and none of its audio, whatever the
// MIME type's case.
func TestVideoOnlyBindsVideo(t *testing.T) {
	for _, tc := range []struct {
		mime string
		want int
	}{
		{"audio/opus", 0},
		{"AUDIO/OPUS", 0},
		{"audio/PCMU", 0},
		{"video/VP8", 1},
		{"video/H264", 1},
		{"", 1},
	} {
		inner := &bindCounter{}
		v := videoOnly{inner}
		info := &interceptor.StreamInfo{MimeType: tc.mime}
		v.BindLocalStream(info, interceptor.RTPWriterFunc(nil))
		v.UnbindLocalStream(info)
		if inner.bound != tc.want || inner.unbound != tc.want {
			t.Errorf("%q: bound %d, unbound %d times, want %d", tc.mime, inner.bound, inner.unbound, tc.want)
		}
	}
}
