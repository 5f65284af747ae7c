package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// exitUsage is the exit code of a bad command line; run then prints the
// command's synopsis.
const exitUsage = 2

// action carries out a command once its flags are parsed; pos are its
// positional arguments. It returns the exit code: 0 done, 1 failed,
// exitUsage for a bad command line (saying first what is wrong when the
// synopsis would not).
type action func(pos []string, stdout, stderr io.Writer) int

// run carries out one command line and returns the process exit code:
// it finds the command in the table, lets it define its flags, parses
// them (flags may follow the positional arguments) and runs it. --help
// anywhere before "--" prints the command's help instead.
func run(args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 {
		printOverview(stderr, cmds)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help":
		printOverview(stdout, cmds)
		return 0
	case "--version":
		args = append([]string{"version"}, args[1:]...)
	}
	cmd, ok := findCommand(cmds, args[0])
	if !ok {
		fmt.Fprintf(stderr, "parley: unknown command %q; `parley help` lists them\n", args[0])
		return exitUsage
	}
	fs := newFlagSet(cmd.name)
	act := cmd.setup(fs)
	pos, err := parseFlags(fs, args[1:])
	switch {
	case errors.Is(err, flag.ErrHelp):
		printHelp(stdout, cmd, fs)
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "parley %s: %v\n", cmd.name, err)
		printSynopsis(stderr, cmd)
		return exitUsage
	}
	code := act(pos, stdout, stderr)
	if code == exitUsage {
		printSynopsis(stderr, cmd)
	}
	return code
}

// newFlagSet returns the empty flag set a command defines its flags on.
// It prints nothing itself: run reports errors and help.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("parley "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// findCommand returns the row of the command called name.
func findCommand(cmds []command, name string) (command, bool) {
	for _, c := range cmds {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}
