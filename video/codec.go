package video

// sendable are the codecs a publisher that can choose (a browser) may be
// asked to send, in order of preference: H.264 first, which SIP room
// systems decode; then VP8, which every browser decodes.
var sendable = []Codec{{MimeType: "video/H264", ClockRate: 90000}, {MimeType: "video/VP8", ClockRate: 90000}}

// CodecChooser is a Subscriber that also publishes and can change the
// codec it sends: a browser. Video is never transcoded, so the room asks
// every such publisher to send the codec most of its receivers decode.
type CodecChooser interface {
	// SendCodec tells it which codec to send from now on. It is called
	// when the subscriber subscribes and whenever the choice changes,
	// with the room's lock held: it must not block, nor call the Room.
	SendCodec(c Codec)
}

// SendCodec returns the codec the room's choosing publishers should send
// now (see chooseCodec).
func (r *Room) SendCodec() Codec {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bestCodec()
}

// bestCodec is the sendable codec that the most subscribers accept, the
// first in sendable on a tie: among browsers alone, H.264 while every one
// decodes it and VP8 once one does not (a Firefox without its OpenH264
// plugin); with a room system, which decodes H.264 only, the tie goes to
// H.264. r.mu is held.
func (r *Room) bestCodec() Codec {
	best, most := sendable[0], -1
	for _, c := range sendable {
		n := 0
		for _, sub := range r.subs {
			if sub.accepts(c) {
				n++
			}
		}
		if n > most {
			best, most = c, n
		}
	}
	return best
}

// chooseCodec tells every CodecChooser subscriber the codec to send, if
// it was not told that one yet. r.mu is held.
func (r *Room) chooseCodec() {
	c := r.bestCodec()
	for s, sub := range r.subs {
		cc, ok := s.(CodecChooser)
		if !ok || sub.sendCodec.Is(c) {
			continue
		}
		sub.sendCodec = c
		cc.SendCodec(c)
	}
}
