package video

import (
	"slices"
	"sync"
	"testing"
)

// chooser is a recorder that can change the codec it sends.
type chooser struct {
	recorder
	cmu   sync.Mutex
	codec []string
}

func (c *chooser) SendCodec(codec Codec) {
	c.cmu.Lock()
	defer c.cmu.Unlock()
	c.codec = append(c.codec, codec.MimeType)
}

func (c *chooser) told() []string {
	c.cmu.Lock()
	defer c.cmu.Unlock()
	return append([]string(nil), c.codec...)
}

// TestSendCodec: browsers are asked for H.264 while all decode it, VP8
// when one that cannot joins (and H.264 again when it leaves); a room
// system, which takes H.264 only, tips a tie to H.264. A subscriber that
// cannot choose (the room system) is never asked.
func TestSendCodec(t *testing.T) {
	r := NewRoom(nil)
	both := func(c Codec) bool { return c.Is(h264) || c.Is(vp8) }
	onlyVP8 := func(c Codec) bool { return c.Is(vp8) }
	onlyH264 := func(c Codec) bool { return c.Is(h264) }
	var chrome1, chrome2, firefox chooser
	r.Subscribe(&chrome1, "1", Everyone, both)
	r.Subscribe(&chrome2, "2", Everyone, both)
	if got := r.SendCodec(); !got.Is(h264) {
		t.Fatalf("two Chromes: %v, want H.264", got.MimeType)
	}
	r.Subscribe(&firefox, "3", Everyone, onlyVP8)
	if got := r.SendCodec(); !got.Is(vp8) {
		t.Fatalf("with Firefox: %v, want VP8", got.MimeType)
	}
	var roomSystem recorder
	r.Subscribe(&roomSystem, "4", Speaker, onlyH264)
	if got := r.SendCodec(); !got.Is(h264) {
		t.Fatalf("with a room system: %v, want H.264 (a tie)", got.MimeType)
	}
	r.Unsubscribe(&roomSystem) // back to VP8
	r.Unsubscribe(&firefox)    // back to H.264
	if got, want := chrome1.told(), []string{"video/H264", "video/VP8", "video/H264", "video/VP8", "video/H264"}; !slices.Equal(got, want) {
		t.Errorf("the first Chrome was told %v, want %v", got, want)
	}
	// Firefox is told what the room wants even when it cannot send it:
	// its page keeps to the codecs it has.
	if got, want := firefox.told(), []string{"video/VP8", "video/H264", "video/VP8"}; !slices.Equal(got, want) {
		t.Errorf("Firefox was told %v, want %v", got, want)
	}
}
