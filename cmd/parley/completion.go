package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// completionCmd is `parley completion bash`: it prints a bash script that
// completes the commands, their subcommands and their flags, read from
// the command table.
func completionCmd(*flag.FlagSet) action {
	return func(pos []string, stdout, stderr io.Writer) int {
		if len(pos) != 1 || pos[0] != "bash" {
			fmt.Fprint(stderr, "parley: completion is for bash only\n")
			return exitUsage
		}
		writeBashCompletion(stdout, commands())
		return 0
	}
}

// writeBashCompletion writes the completion function _parley for the
// commands cmds and binds it to parley. Where it offers nothing (a flag's
// value, a FILE argument), bash completes file names (complete -o default).
func writeBashCompletion(w io.Writer, cmds []command) {
	names := make([]string, len(cmds))
	for i, c := range cmds {
		names[i] = c.name
	}
	fmt.Fprint(w, `# bash completion for parley, made by `+"`parley completion bash`"+`.
# Load it with: source <(parley completion bash)
_parley() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	COMPREPLY=()
	if [[ $COMP_CWORD -eq 1 ]]; then
		COMPREPLY=($(compgen -W '`+strings.Join(names, " ")+` --help --version' -- "$cur"))
		return
	fi
	local flags='' values='' words=''
	case ${COMP_WORDS[1]} in
`)
	for _, c := range cmds {
		fs := newFlagSet(c.name)
		c.setup(fs)
		var flags, values []string
		fs.VisitAll(func(f *flag.Flag) {
			flags = append(flags, "--"+f.Name)
			if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !b.IsBoolFlag() {
				values = append(values, "--"+f.Name)
			}
		})
		flags = append(flags, "--help")
		words := subcommands(c)
		if c.name == "help" {
			words = names
		}
		fmt.Fprintf(w, "\t%s) flags='%s' values='%s' words='%s' ;;\n", c.name,
			strings.Join(flags, " "), strings.Join(values, " "), strings.Join(words, " "))
	}
	fmt.Fprint(w, `	esac
	if [[ " $values " == *" $prev "* ]]; then
		return # a flag's value
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$flags" -- "$cur"))
	elif [[ $COMP_CWORD -eq 2 && -n $words ]]; then
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
	fi
}
complete -o default -F _parley parley
`)
}

// subcommands returns the lower-case first words of cmd's argument forms:
// rooms' list, show, create and delete.
func subcommands(cmd command) []string {
	var out []string
	for _, form := range strings.Split(cmd.args, "\n") {
		f := strings.Fields(form)
		if len(f) > 0 && f[0] == strings.ToLower(f[0]) && !strings.ContainsAny(f[0], "[-") {
			out = append(out, f[0])
		}
	}
	return out
}
