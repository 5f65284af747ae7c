package main

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryCommandHasHelp walks the command table: `parley NAME --help`,
// `-h` and `parley help NAME` exit 0 and print the synopsis, the summary,
// the flags and an example of the command itself.
func TestEveryCommandHasHelp(t *testing.T) {
	cmds := commands()
	seen := map[string]bool{}
	for _, cmd := range cmds {
		t.Run(cmd.name, func(t *testing.T) {
			if seen[cmd.name] {
				t.Fatalf("two rows named %q", cmd.name)
			}
			seen[cmd.name] = true
			if cmd.summary == "" || strings.Contains(cmd.summary, "\n") {
				t.Errorf("summary %q: want one line", cmd.summary)
			}
			if len(cmd.examples) == 0 {
				t.Fatal("no example")
			}
			for _, ex := range cmd.examples {
				if !strings.Contains(ex, "parley "+cmd.name) {
					t.Errorf("example %q does not run parley %s", ex, cmd.name)
				}
			}
			var help string
			for _, args := range [][]string{{cmd.name, "--help"}, {cmd.name, "-h"}, {"help", cmd.name}} {
				var stdout, stderr bytes.Buffer
				if code := run(args, &stdout, &stderr); code != 0 {
					t.Errorf("%v: exit %d, want 0 (stderr %q)", args, code, stderr.String())
				}
				if help == "" {
					help = stdout.String()
				} else if stdout.String() != help {
					t.Errorf("%v prints another help:\n%s\nthan:\n%s", args, stdout.String(), help)
				}
			}
			for _, want := range []string{"usage: parley " + cmd.name, cmd.summary, "flags:", "--help", "examples:\n  " + cmd.examples[0]} {
				if !strings.Contains(help, want) {
					t.Errorf("help lacks %q:\n%s", want, help)
				}
			}
			fs := newFlagSet(cmd.name)
			cmd.setup(fs)
			fs.VisitAll(func(f *flag.Flag) {
				if !strings.Contains(help, "--"+f.Name) {
					t.Errorf("help lacks the flag --%s:\n%s", f.Name, help)
				}
			})
		})
	}
}

// TestUsageErrors: a bad command line exits 2 with the synopsis.
func TestUsageErrors(t *testing.T) {
	tests := []cliCase{
		{name: "nothing", args: nil, code: 2, stderr: []string{"usage: parley COMMAND", "parley serve [FILE]"}},
		{name: "overview", args: []string{"--help"}, code: 0, stdout: []string{"parley serve [FILE]", "parley completion bash", "parley help [COMMAND]"}},
		{name: "unknown flag", args: []string{"serve", "--colour", "blue"}, code: 2,
			stderr: []string{"parley serve: flag provided but not defined: -colour", "usage: parley serve [FILE] [flags]", "parley help serve"}},
		{name: "serve two files", args: []string{"serve", "a.yaml", "b.yaml"}, code: 2, stderr: []string{`not 2 arguments ["a.yaml" "b.yaml"]`, "usage: parley serve"}},
		{name: "serve a file and another --config", args: []string{"serve", "a.yaml", "--config", "b.yaml"}, code: 2, stderr: []string{"two config files"}},
		{name: "help of nothing", args: []string{"help", "frobnicate"}, code: 2, stderr: []string{`unknown command "frobnicate"`}},
		{name: "version takes no argument", args: []string{"version", "now"}, code: 2, stderr: []string{"usage: parley version"}},
		{name: "completion for zsh", args: []string{"completion", "zsh"}, code: 2, stderr: []string{"bash only"}},
		{name: "create's flags elsewhere", args: []string{"rooms", "list", "--pin", "1234"}, code: 2, stderr: []string{"--pin is a flag of rooms create"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t) })
	}
}

// TestVersionCommand: `parley version` and `parley --version` print the
// same line.
func TestVersionCommand(t *testing.T) {
	want := readBuildInfo().String() + "\n"
	for _, args := range [][]string{{"version"}, {"--version"}} {
		if out := (cliCase{args: args}).run(t); out != want || !strings.HasPrefix(out, "parley ") {
			t.Errorf("%v = %q, want %q", args, out, want)
		}
	}
}

// TestMainDocListsCommands: main.go's doc comment shows the command
// table as `parley help` lists it.
func TestMainDocListsCommands(t *testing.T) {
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	var overview bytes.Buffer
	printOverview(&overview, commands())
	var want strings.Builder
	for _, line := range strings.Split(overview.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, "  "); ok {
			want.WriteString("//\t" + rest + "\n")
		}
	}
	if !strings.Contains(string(src), "//\n"+want.String()+"//\n") {
		t.Errorf("main.go's doc comment does not show the command table; put there:\n%s", want.String())
	}
}

// TestBashCompletion sources `parley completion bash` in bash and
// completes prefixes as a user would with Tab.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	var script bytes.Buffer
	if code := run([]string{"completion", "bash"}, &script, os.Stderr); code != 0 {
		t.Fatalf("completion bash: exit %d", code)
	}
	path := filepath.Join(t.TempDir(), "parley.bash")
	if err := os.WriteFile(path, script.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	complete := func(t *testing.T, words ...string) []string {
		t.Helper()
		// The last word is the one being completed (empty: after a space).
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = "'" + w + "'"
		}
		cmd := exec.Command(bash, "--norc", "--noprofile", "-c", `source "$1" && COMP_WORDS=(`+strings.Join(quoted, " ")+`) &&
			COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) && _parley && printf '%s\n' "${COMPREPLY[@]}"`, "bash", path)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		return strings.Fields(string(out))
	}
	tests := []struct {
		words []string
		want  []string
	}{
		{[]string{"parley", "di"}, []string{"dial"}},
		{[]string{"parley", "ro"}, []string{"route", "rooms", "role"}},
		{[]string{"parley", "--v"}, []string{"--version"}},
		{[]string{"parley", "rooms", "c"}, []string{"create"}},
		{[]string{"parley", "rooms", ""}, []string{"list", "show", "create", "delete"}},
		{[]string{"parley", "contacts", ""}, []string{"add", "delete"}},
		{[]string{"parley", "help", "imp"}, []string{"import-guests"}},
		{[]string{"parley", "completion", ""}, []string{"bash"}},
		{[]string{"parley", "dial", "1000", "--ri"}, []string{"--ring-timeout"}},
		{[]string{"parley", "route", "2001", "--c"}, []string{"--caller-id", "--config"}},
		{[]string{"parley", "serve", "--"}, []string{"--config", "--help"}},
		{[]string{"parley", "serve", "--config", ""}, nil},       // a file name: bash's own completion
		{[]string{"parley", "dial", "--wait", "10"}, nil},        // a positional argument
		{[]string{"parley", "dial", "1000", "--role", "m"}, nil}, // a flag's value
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.words, " "), func(t *testing.T) {
			if got := complete(t, tt.words...); strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("completes %q, want %q", got, tt.want)
			}
		})
	}
	// Every flag of every command completes from "--".
	for _, cmd := range commands() {
		fs := newFlagSet(cmd.name)
		cmd.setup(fs)
		got := strings.Join(complete(t, "parley", cmd.name, "--"), " ") + " "
		fs.VisitAll(func(f *flag.Flag) {
			if !strings.Contains(got, "--"+f.Name+" ") {
				t.Errorf("parley %s --<Tab> = %q lacks --%s", cmd.name, got, f.Name)
			}
		})
	}
}
