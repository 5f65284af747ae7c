package sip

import (
	"bytes"
	"strconv"
)

// framer follows SIP message boundaries through a TCP byte stream (RFC 3261
// §18.3): CR and LF between messages are keep-alives (RFC 5626 §3.5.1), a
// message is its header section up to the empty line and then
// Content-Length bytes of body. It only tells where messages end, for the
// read timeouts; sipgo parses them.
type framer struct {
	state  frameState
	header []byte // the header section so far, at most maxFrameHeader bytes
	nl     int    // line feeds in a row at the end of header, CRs ignored
	body   int    // body bytes still to come
}

type frameState uint8

const (
	frameBetween frameState = iota // between messages
	frameHeader                    // in a message's start line and headers
	frameBody                      // in a message's body
)

// maxFrameHeader is as much of a header section as the framer keeps to
// find Content-Length; sipgo refuses longer messages itself.
const maxFrameHeader = 64 << 10

// inMessage tells whether a message has begun and not ended.
func (f *framer) inMessage() bool { return f.state != frameBetween }

// feed consumes data up to the end of the first message that ends in it
// (done) or all of it; used is how many bytes it consumed, > 0 when data
// is not empty.
func (f *framer) feed(data []byte) (used int, done bool) {
	i := 0
	for i < len(data) {
		switch f.state {
		case frameBetween:
			if b := data[i]; b == '\r' || b == '\n' {
				i++
				continue
			}
			f.state, f.header, f.nl = frameHeader, f.header[:0], 0
		case frameHeader:
			b := data[i]
			i++
			if len(f.header) < maxFrameHeader {
				f.header = append(f.header, b)
			}
			switch b {
			case '\n':
				f.nl++
			case '\r':
			default:
				f.nl = 0
			}
			if f.nl < 2 {
				continue
			}
			f.body = contentLength(f.header)
			f.header = f.header[:0]
			if f.body == 0 {
				f.state = frameBetween
				return i, true
			}
			f.state = frameBody
		case frameBody:
			n := min(f.body, len(data)-i)
			i += n
			if f.body -= n; f.body == 0 {
				f.state = frameBetween
				return i, true
			}
		}
	}
	return i, false
}

// contentLength is the Content-Length (or compact l) of a header section,
// 0 when absent or malformed (RFC 3261 §20.14, §7.3.3).
func contentLength(header []byte) int {
	for line := range bytes.SplitSeq(header, []byte("\n")) {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		name = bytes.TrimSpace(name)
		if !bytes.EqualFold(name, []byte("content-length")) && !bytes.EqualFold(name, []byte("l")) {
			continue
		}
		n, err := strconv.Atoi(string(bytes.TrimSpace(value)))
		if err != nil || n < 0 {
			return 0
		}
		return n
	}
	return 0
}
