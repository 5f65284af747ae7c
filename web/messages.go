package web

import (
	"context"

	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/webrtc"
)

// serverTexts maps the English texts that the webrtc server puts in its
// "error" and "banner" messages to the catalogue keys that say the same in
// the guest's language. Texts not listed go to the browser as they are.
var serverTexts = map[string]string{
	"the room is full":   i18n.PageRoomFull,
	"the room is locked": i18n.PageRoomLocked,
	"The room is full: you are joining as a listener.": i18n.PageSpectator,
	"the call could not be set up":                     i18n.PageJoinFailed,
	"the connection was lost":                          i18n.PageLost,
}

// localised is a Signaller that translates the webrtc server's error and
// banner texts into the language of the guest's link on their way out.
// Like the Signaller it wraps, it is read on one goroutine and written on
// another.
type localised struct {
	webrtc.Signaller
	lang *i18n.Catalog
}

// WriteJSON implements webrtc.Signaller.
func (l localised) WriteJSON(ctx context.Context, v any) error {
	switch m := v.(type) {
	case webrtc.Message:
		v = l.translate(m)
	case *webrtc.Message:
		if m != nil {
			t := l.translate(*m)
			v = &t
		}
	}
	return l.Signaller.WriteJSON(ctx, v)
}

// translate returns m with its error or banner text in l's language.
func (l localised) translate(m webrtc.Message) webrtc.Message {
	if key, ok := serverTexts[m.Error]; ok && m.Type == webrtc.TypeError {
		m.Error = l.lang.T(key, nil)
	}
	if key, ok := serverTexts[m.Text]; ok && m.Type == webrtc.TypeBanner {
		m.Text = l.lang.T(key, nil)
	}
	return m
}
