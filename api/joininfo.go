package api

import (
	"net/http"
	"strconv"

	"github.com/parleyhq/parley/notify"
)

// joinInfo serves GET /api/v1/rooms/{number}/join-info?link=ID&lang=xx:
// the text to paste into a mail or chat (notify.JoinInfo) — the room's
// name, the link, the dial-in numbers, the room's SIP address, the room
// number and PIN, and the browsers that work — as text/plain, or with ?format=json as a JoinInfo.
// The link is the given link's (moderators only: a guest link is
// personal), else the room's guest link while guest access is on, else
// none. The room number, SIP address and PIN are shown to admins and the
// room's moderators only. The text is in lang, else the link's language, else
// the default.
func (s *linksAPI) joinInfo(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	for k, v := range q {
		if k != "link" && k != "lang" && k != "format" {
			return &Error{Status: http.StatusBadRequest, Field: k, Message: "unknown query parameter " + k + ": want link, lang and format"}
		}
		if len(v) != 1 {
			return &Error{Status: http.StatusBadRequest, Field: k, Message: k + " is given more than once"}
		}
	}
	format := q.Get("format")
	if format != "" && format != "text" && format != "json" {
		return &Error{Status: http.StatusBadRequest, Field: "format", Message: "format " + strconv.Quote(format) + ": want text or json"}
	}
	lang := q.Get("lang")
	if err := checkLanguage("lang", lang); err != nil {
		return err
	}
	room, err := s.room(r)
	if err != nil {
		return err
	}
	p := principalOf(r)
	set := room.Settings()
	info := notify.JoinInfo{RoomName: set.Name, DialIn: s.notifyDialIn()}
	if id := q.Get("link"); id != "" {
		if !p.seesPINs(room.Number()) {
			return &Error{Status: http.StatusForbidden, Field: "link",
				Message: "attendees may not read a link's join info: links are personal; ask a moderator"}
		}
		if s.store == nil {
			return errNoStore
		}
		r.SetPathValue("id", id)
		l, _, err := s.roomLink(r)
		if err != nil {
			if e, ok := err.(*Error); ok && e.Field == "id" {
				e.Field = "link"
			}
			return err
		}
		info.Link = s.joinURL(r, l.Token)
		if lang == "" {
			lang = l.Language
		}
	} else {
		info.Link = s.roomGuestLink(r, room)
	}
	if p.seesPINs(room.Number()) {
		info.Room, info.PIN, info.SIPURI = room.Number(), set.PIN, s.sipURI(room.Number())
	}
	info.Language = lang
	text := info.Text()
	if format == "json" {
		out := JoinInfo{Room: info.Room, RoomName: info.RoomName, Link: info.Link, PIN: info.PIN, SIPURI: info.SIPURI,
			DialIn: make([]DialInNumber, len(info.DialIn)), Language: lang, Text: text}
		for i, d := range info.DialIn {
			out.DialIn[i] = DialInNumber{Number: d.Number, Label: d.Label}
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write([]byte(text))
	return nil
}
