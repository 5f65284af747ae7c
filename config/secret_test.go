package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestSecretMasks(t *testing.T) {
	s := Secret("hunter2")
	for _, f := range []string{"%v", "%s", "%q", "%x", "%+v", "%#v", "%d"} {
		if got := fmt.Sprintf(f, s); strings.Contains(got, "hunter2") || strings.Contains(got, fmt.Sprintf("%x", "hunter2")) {
			t.Errorf("Sprintf(%q) = %q reveals the secret", f, got)
		}
	}
	if got := fmt.Sprint(s); got != "REDACTED" {
		t.Errorf("Sprint = %q, want REDACTED", got)
	}
	if got := fmt.Sprint(Secret("")); got != "" {
		t.Errorf("empty secret prints %q, want empty", got)
	}
	if s.Reveal() != "hunter2" {
		t.Errorf("Reveal() = %q", s.Reveal())
	}
}

func TestSecretEqual(t *testing.T) {
	tests := []struct {
		s    Secret
		v    string
		want bool
	}{
		{"hunter2", "hunter2", true},
		{"hunter2", "hunter3", false},
		{"hunter2", "hunter", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got := tt.s.Equal(tt.v); got != tt.want {
			t.Errorf("Secret(%q).Equal(%q) = %v, want %v", tt.s.Reveal(), tt.v, got, tt.want)
		}
	}
}

// TestConfigLogsNoSecrets logs and marshals a whole config in every way a
// caller might and checks no password, token or PIN shows.
func TestConfigLogsNoSecrets(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "full.yaml"), WithLookupEnv(env(fullEnv)))
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{"4321", "9999"}
	for _, v := range fullEnv {
		secrets = append(secrets, v)
	}
	var out []string
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		out = append(out, fmt.Sprintf(f, c), fmt.Sprintf(f, *c))
	}
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	y, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, string(j), string(y))
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "config", c, "rooms", c.Rooms)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", c, "token", c.AdminTokens[0])
	out = append(out, buf.String())
	for _, o := range out {
		for _, s := range secrets {
			if strings.Contains(o, s) {
				t.Errorf("output reveals %q:\n%s", s, o)
			}
		}
	}
	if !strings.Contains(string(j), `"Password":"REDACTED"`) {
		t.Errorf("JSON does not show the masked password:\n%s", j)
	}
}
