package rules

import "testing"

func TestWebhookURL(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"https://hooks.example.com/parley", ""},
		{"http://[::1]:9000/", ""},
		{"https://h.example.com/x?k=1", ""},
		{"https://h.example.com/#x", "must not have a fragment"},
		{"", "want an http:// or https:// URL"},
		{"ftp://h.example.com/", "want an http:// or https:// URL"},
		{"mailto:ops@example.com", "want an http:// or https:// URL"},
		{"http:///x", "want an http:// or https:// URL"},
		{"http:h.example.com", "want an http:// or https:// URL"},
		{"/relative", "want an http:// or https:// URL"},
		{"http://h.example.com/%zz", "want an http:// or https:// URL"},
	}
	for _, tt := range tests {
		got := ""
		if err := WebhookURL(tt.in); err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("WebhookURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
