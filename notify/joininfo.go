package notify

import (
	"strings"

	"github.com/parleyhq/parley/i18n"
)

// DialIn is a phone number that reaches Parley, as shown to invitees.
type DialIn struct {
	// Number is what people dial, e.g. "+441632960000".
	Number string
	// Label says which number it is, e.g. "London"; optional.
	Label string
}

// JoinInfo is everything someone needs to join a room, from which Text
// writes the lines to paste into a mail or chat.
type JoinInfo struct {
	// Room is the room number callers type after dialling in.
	Room string
	// RoomName is the room's display name; empty uses Room.
	RoomName string
	// Link is the browser link, PUBLIC_URL/join/TOKEN; empty leaves the
	// browser lines out.
	Link string
	// PIN is the room's attendee PIN; empty leaves the line out.
	PIN string
	// DialIn are the numbers to call, in the order shown.
	DialIn []DialIn
	// SIPURI is the room's SIP address, "sip:ROOM@HOST", for SIP phones
	// and apps; empty leaves the line out.
	SIPURI string
	// Language is the BCP 47 tag of the language to write in; see
	// i18n.Lookup for the fallbacks.
	Language string
}

// Text returns the join information in j's language, one item a line, each
// line ending in a newline: the title, the browser link and the supported
// browsers, each dial-in number, the SIP address, the room number and the
// PIN. Items j leaves empty are left out.
func (j JoinInfo) Text() string {
	var b strings.Builder
	for _, l := range j.lines(i18n.Lookup(j.Language)) {
		b.WriteString(l.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// roomName returns the name to show for the room.
func (j JoinInfo) roomName() string {
	if j.RoomName != "" {
		return j.RoomName
	}
	return j.Room
}

// lines returns the lines of Text, with the link kept apart so that the
// HTML part of a mail can make it an anchor.
func (j JoinInfo) lines(c *i18n.Catalog) []line {
	out := []line{{Before: c.T(i18n.JoinTitle, map[string]string{"room": j.roomName()})}}
	out = append(out, j.details(c, i18n.JoinLink)...)
	return out
}

// details returns the lines after the title: the link under linkKey, the
// browsers, the dial-in numbers, the SIP address, the room number and the
// PIN.
func (j JoinInfo) details(c *i18n.Catalog, linkKey string) []line {
	var out []line
	if j.Link != "" {
		out = append(out, linkLine(c, linkKey, nil, j.Link))
		out = append(out, line{Before: c.T(i18n.JoinBrowsers, nil)})
	}
	for _, d := range j.DialIn {
		if d.Label != "" {
			out = append(out, line{Before: c.T(i18n.JoinDialIn, map[string]string{"number": d.Number, "label": d.Label})})
		} else {
			out = append(out, line{Before: c.T(i18n.JoinDialInPlain, map[string]string{"number": d.Number})})
		}
	}
	if j.SIPURI != "" {
		out = append(out, line{Before: c.T(i18n.JoinSIP, map[string]string{"sip_uri": j.SIPURI})})
	}
	if j.Room != "" {
		out = append(out, line{Before: c.T(i18n.JoinRoomNumber, map[string]string{"room_number": j.Room})})
	}
	if j.PIN != "" {
		out = append(out, line{Before: c.T(i18n.JoinPIN, map[string]string{"pin": j.PIN})})
	}
	return out
}

// line is one line of text that may hold a link: Before, then Link, then
// After. The HTML part of a mail escapes Before and After and makes Link
// an anchor.
type line struct {
	// Before is the text before the link, or the whole line.
	Before string
	// Link is the URL, or "".
	Link string
	// After is the text after the link.
	After string
}

// String returns the line as plain text.
func (l line) String() string { return l.Before + l.Link + l.After }

// linkMark stands in for the link while a message is expanded, so that the
// line can be split around it.
const linkMark = "\x00link\x00"

// linkLine expands the message key, whose {{link}} placeholder is link,
// into a line with the link kept apart.
func linkLine(c *i18n.Catalog, key string, args map[string]string, link string) line {
	a := map[string]string{"link": linkMark}
	for k, v := range args {
		a[k] = strings.ReplaceAll(v, linkMark, "")
	}
	s := c.T(key, a)
	before, after, ok := strings.Cut(s, linkMark)
	if !ok {
		return line{Before: s}
	}
	return line{Before: before, Link: link, After: strings.ReplaceAll(after, linkMark, link)}
}
