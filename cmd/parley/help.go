package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// helpCmd is `parley help [COMMAND]`: the list of commands, or COMMAND's
// help.
func helpCmd(*flag.FlagSet) action {
	return func(pos []string, stdout, stderr io.Writer) int {
		cmds := commands()
		switch len(pos) {
		case 0:
			printOverview(stdout, cmds)
			return 0
		case 1:
			cmd, ok := findCommand(cmds, pos[0])
			if !ok {
				fmt.Fprintf(stderr, "parley: unknown command %q\n", pos[0])
				return exitUsage
			}
			fs := newFlagSet(cmd.name)
			cmd.setup(fs)
			printHelp(stdout, cmd, fs)
			return 0
		}
		return exitUsage
	}
}

// synopsis returns cmd's usage lines: "parley dial ROOM TARGET [flags]",
// one per form of its arguments ("[flags]" when it has some).
func synopsis(cmd command) []string {
	fs := newFlagSet(cmd.name)
	cmd.setup(fs)
	flags := ""
	fs.VisitAll(func(*flag.Flag) { flags = " [flags]" })
	var out []string
	for _, form := range strings.Split(cmd.args, "\n") {
		out = append(out, strings.Join(strings.Fields("parley "+cmd.name+" "+form), " ")+flags)
	}
	return out
}

// printUsage prints cmd's synopsis as "usage: parley …" lines.
func printUsage(w io.Writer, cmd command) {
	for i, line := range synopsis(cmd) {
		if i == 0 {
			fmt.Fprintf(w, "usage: %s\n", line)
		} else {
			fmt.Fprintf(w, "       %s\n", line)
		}
	}
}

// printSynopsis prints cmd's usage after a bad command line.
func printSynopsis(w io.Writer, cmd command) {
	printUsage(w, cmd)
	fmt.Fprintf(w, "`parley help %s` shows the flags and examples\n", cmd.name)
}

// overviewWidth is the width of the synopsis column of printOverview; a
// longer synopsis has its summary on the next line.
const overviewWidth = 36

// printOverview prints every command's synopsis and summary.
func printOverview(w io.Writer, cmds []command) {
	fmt.Fprint(w, "usage: parley COMMAND [ARGUMENTS] [flags]\n\n")
	for _, cmd := range cmds {
		for i, form := range strings.Split(cmd.args, "\n") {
			line := "  " + strings.TrimSpace("parley "+cmd.name+" "+form)
			if i == 0 {
				if len(line) >= overviewWidth {
					line += "\n" + strings.Repeat(" ", overviewWidth)
				}
				line = fmt.Sprintf("%-*s%s", overviewWidth, line, cmd.summary)
			}
			fmt.Fprintln(w, line)
		}
	}
	fmt.Fprint(w, "\nThe commands with --api talk to a running Parley's REST API: --api URL (default\n"+
		"$PARLEY_API or "+defaultAPI+"), --token TOKEN (default $PARLEY_TOKEN), --json for scripts.\n"+
		"`parley help COMMAND` or `parley COMMAND --help` shows a command's flags and examples.\n")
}

// printHelp prints cmd's help: synopsis, summary, help, the flags defined
// on fs, examples.
func printHelp(w io.Writer, cmd command, fs *flag.FlagSet) {
	printUsage(w, cmd)
	fmt.Fprintf(w, "\n%s\n", cmd.summary)
	if cmd.help != "" {
		fmt.Fprintf(w, "\n%s\n", cmd.help)
	}
	fmt.Fprint(w, "\nflags:\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		if arg != "" {
			arg = " " + arg
		}
		if def := f.DefValue; def != "" && def != "false" && def != "0" && def != "0s" && !strings.Contains(usage, "default") {
			usage += " (default " + def + ")"
		}
		fmt.Fprintf(tw, "  --%s%s\t%s\n", f.Name, arg, usage)
	})
	fmt.Fprint(tw, "  -h, --help\tthis help\n")
	_ = tw.Flush()
	fmt.Fprint(w, "\nexamples:\n")
	for _, ex := range cmd.examples {
		fmt.Fprintf(w, "  %s\n", ex)
	}
}
