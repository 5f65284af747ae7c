package dialplan

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestRouteTrunkHostRefusalSaysSo checks that a SIP address on a trunk's
// host is refused (the toll-fraud rule) with a reason that says it is a
// SIP address on that trunk's host, not only that no trunk allows a
// number.
func TestRouteTrunkHostRefusalSaysSo(t *testing.T) {
	tests := []struct {
		to   string
		want []string
	}{
		{"#sip:@127.0.0.1:5080", []string{"#sip:@127.0.0.1:5080 is a SIP address on trunk pstn's host", "(it names no number)", "dial the number itself"}},
		{"#sip:alice@127.0.0.1", []string{"is a SIP address on trunk pstn's host", `user "alice" is not a phone number`}},
		{"#sip:2002@127.0.0.1:5080", []string{"no trunk allows 2002", "#sip:2002@127.0.0.1:5080 is a SIP address on trunk pstn's host"}},
		{"sip:+19005551234@sbc.example.net", []string{"no trunk allows +19005551234", "is a SIP address on trunk byname's host"}},
	}
	for _, tt := range tests {
		t.Run(tt.to, func(t *testing.T) {
			target, err := ParseTarget(tt.to)
			if err != nil {
				t.Fatal(err)
			}
			_, err = fraudRouter().Route(context.Background(), target, "", "")
			if !errors.Is(err, ErrNotAllowed) {
				t.Fatalf("Route: %v, want ErrNotAllowed", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestRouteUnregisteredExtension checks that an extension with no
// registered device is refused at once, naming it, while a registered one
// routes and unknown registrations (no Registered) route every extension.
func TestRouteUnregisteredExtension(t *testing.T) {
	registered := map[string]bool{"2001": true}
	tests := []struct {
		name       string
		registered func(string) bool
		to         string
		wantErr    bool
	}{
		{"registered", func(e string) bool { return registered[e] }, "2001", false},
		{"not registered", func(e string) bool { return registered[e] }, "2002", true},
		{"registrations unknown", nil, "2002", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Router{Extensions: map[string]string{"2001": "Alice", "2002": "Bob"}, Registered: tt.registered}
			target, err := ParseTarget(tt.to)
			if err != nil {
				t.Fatal(err)
			}
			rt, err := r.Route(context.Background(), target, "", "")
			if rt.Via != ViaExtension || rt.Name != r.Extensions[tt.to] {
				t.Errorf("route via %q name %q, want the extension and its name", rt.Via, rt.Name)
			}
			if !tt.wantErr {
				if err != nil {
					t.Errorf("Route: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrNotRegistered) || !strings.Contains(err.Error(), "extension 2002 (Bob) has no registered device") {
				t.Errorf("Route: %v, want ErrNotRegistered naming extension 2002", err)
			}
			if last := rt.Explain[len(rt.Explain)-1]; !strings.Contains(last, "no registered device") {
				t.Errorf("explain ends %q, want it to say why", last)
			}
		})
	}
}
