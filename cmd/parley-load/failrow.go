package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
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

// parleyFailed is an error naming the Ns asked for (legs, or browserLegs
// in the scenarios with browsers; not -find-max's steps) at which Parley
// could not be measured, or nil.
func parleyFailed(all map[string][]result, legs, browserLegs []int) error {
	var errs []error
	for name, rs := range all {
		asked := legs
		if scenarios[name].BrowserEvery > 0 && len(browserLegs) > 0 {
			asked = browserLegs
		}
		for _, r := range rs {
			if r.Bridge == "Parley" && r.Skipped != "" && slices.Contains(asked, r.Legs) {
				errs = append(errs, fmt.Errorf("%s, %d legs: Parley %s", name, r.Legs, r.Skipped))
			}
		}
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}
