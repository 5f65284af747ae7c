package main

import "github.com/parleyhq/parley/config"

// operators are the extensions in the "operators" group: their room
// tokens may invite and call people out while they are in the conference.
func operators(exts []config.Extension) []string {
	var out []string
	for _, e := range exts {
		for _, g := range e.Groups {
			if g == "operators" {
				out = append(out, e.Number)
				break
			}
		}
	}
	return out
}
