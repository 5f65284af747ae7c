package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestConsoleInvitePanel: the console page has the invite panel, every
// field labelled, in the page's language, and serves its script.
func TestConsoleInvitePanel(t *testing.T) {
	srv := newConsole(t)
	for _, tt := range []struct {
		lang string
		want []string
	}{
		{"", []string{`<h2 id="invite-heading">Invite</h2>`, `<label for="invite-name">Name</label>`,
			`<label for="invite-email">Email address</label>`, `<input id="invite-email" name="email" type="email"`,
			`<label for="invite-phone">Mobile number (for SMS)</label>`, `<label for="invite-role">Joins as</label>`,
			`<button type="submit" id="invite-email-send">Send by email</button>`, `id="invite-sms-send"`,
			`id="invite-copy" class="quiet">Copy invitation text</button>`, `<label for="invite-text">Invitation text</label>`,
			`<p id="caller-id" class="hint" aria-live="polite"></p>`, `<script src="/console/invite.js?v=`,
			`"invite.caller_id":"Caller ID shown to the person called: {{caller_id}}"`}},
		{"fr", []string{`<h2 id="invite-heading">Inviter</h2>`, `>Envoyer par e-mail</button>`, `>Copier le texte d’invitation</button>`}},
		{"de", []string{`<h2 id="invite-heading">Einladen</h2>`, `>Per SMS senden</button>`, `<label for="invite-phone">Mobilnummer (für SMS)</label>`}},
	} {
		t.Run("lang "+tt.lang, func(t *testing.T) {
			resp, body := get(t, srv, "/console/2000", tt.lang)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("the page lacks %s", w)
				}
			}
		})
	}
	resp, js := get(t, srv, "/console/invite.js", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(js, "window.ParleyConsole") {
		t.Errorf("GET /console/invite.js: %d", resp.StatusCode)
	}
}
