package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(good, []byte("rooms:\n  - number: \"1000\"\n"), 0o600)
	os.WriteFile(bad, []byte("sip:\n  listen: [udp://0.0.0.0:5060]\n  colour: blue\nrtp:\n  ports: 20000-10000\n"), 0o600)
	codec := filepath.Join(dir, "codec.yaml")
	os.WriteFile(codec, []byte("codecs:\n  - G722\n  - iLBC\n"), 0o600)
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   []string
		stderr   []string
		noStderr bool
	}{
		{name: "valid", args: []string{"check-config", good}, code: 0, stdout: []string{good + ": ok"}, noStderr: true},
		{name: "errors with file and line", args: []string{"check-config", bad}, code: 1,
			stderr: []string{bad + ":3: ", "colour", bad + ":5: ", "rtp.ports"}},
		{name: "missing file", args: []string{"check-config", filepath.Join(dir, "nope.yaml")}, code: 1, stderr: []string{"nope.yaml"}},
		{name: "a codec this build lacks", args: []string{"check-config", codec}, code: 1, stderr: []string{codec + `:3: codecs[1]: "iLBC": not a codec`}},
		{name: "no file argument", args: []string{"check-config"}, code: 2, stderr: []string{"usage"}},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, stderr: []string{`unknown command "frobnicate"`}},
		{name: "serve with a bad config", args: []string{"serve", "--config", bad}, code: 1, stderr: []string{bad + ":3: "}},
		{name: "serve reads the FILE argument", args: []string{"serve", bad}, code: 1, stderr: []string{bad + ":3: "}},
		{name: "serve with FILE and the same --config", args: []string{"serve", bad, "--config", bad}, code: 1, stderr: []string{bad + ":3: "}},
		{name: "serve with a missing FILE", args: []string{"serve", filepath.Join(dir, "nope.yaml")}, code: 1, stderr: []string{"nope.yaml"}},
	}
	_, err := os.Stat(defaultConfigPath)
	hasDefault := err == nil
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "no file argument" && hasDefault {
				t.Skip(defaultConfigPath + " exists: check-config checks it")
			}
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tt.code, stderr.String())
			}
			for _, want := range tt.stdout {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout %q lacks %q", stdout.String(), want)
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr %q lacks %q", stderr.String(), want)
				}
			}
			if tt.noStderr && stderr.Len() > 0 {
				t.Errorf("unexpected stderr %q", stderr.String())
			}
		})
	}
}

func TestConfigPath(t *testing.T) {
	dir := t.TempDir()
	def := filepath.Join(dir, "parley.yaml")
	if got := configPath("", def); got != "" {
		t.Errorf("no default file: configPath = %q, want the embedded config", got)
	}
	if got := configPath("mine.yaml", def); got != "mine.yaml" {
		t.Errorf("configPath = %q, want the given file", got)
	}
	os.WriteFile(def, []byte("rooms: []\n"), 0o600)
	if got := configPath("", def); got != def {
		t.Errorf("configPath = %q, want the default file", got)
	}
	if got := configPath("mine.yaml", def); got != "mine.yaml" {
		t.Errorf("configPath = %q, want the given file over the default", got)
	}
}
