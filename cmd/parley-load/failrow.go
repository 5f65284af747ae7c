package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// failedWhyMax is how much of a failure's error a table row keeps.
const failedWhyMax = 160

// failedRow is the row of a bridge that could not be measured at n legs
// (Janus's HTTP API stops answering near 800 joins; a -find-max step past
// what Parley can set up), which the run reports and goes on from: the
// error on one line, its "|" (a Markdown table's cell separator) as "/",
// cut to failedWhyMax bytes. It tells progress too.
func failedRow(progress io.Writer, bridge string, sc scenario, n int, err error) result {
	fmt.Fprintf(progress, "%s, %s, %d legs: %v; the run goes on\n", bridge, sc.Name, n, err)
	why := strings.ReplaceAll(strings.Join(strings.Fields(err.Error()), " "), "|", "/")
	if len(why) > failedWhyMax {
		cut := failedWhyMax
		for cut > 0 && !utf8.RuneStart(why[cut]) {
			cut--
		}
		why = why[:cut] + "…"
	}
	return result{Bridge: bridge, Scenario: sc.Name, Legs: n, Skipped: "failed: " + why}
}
