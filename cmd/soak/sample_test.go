package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseMetrics(t *testing.T) {
	text := `# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 2014
go_goroutines_other 1
parley_calls_active 500
parley_participants{role="attendee",via="sip"} 500
process_open_fds 1.03e+03
`
	got, err := parseMetrics(strings.NewReader(text), []string{"go_goroutines", "parley_calls_active", "process_open_fds"})
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != 2014 || got[1] != 500 || got[2] != 1030 {
		t.Errorf("got %v, want [2014 500 1030]", got)
	}
	if _, err := parseMetrics(strings.NewReader(text), []string{"parley_rooms_active"}); err == nil {
		t.Error("a missing metric was not an error")
	}
}

func TestReadProc(t *testing.T) {
	pid := os.Getpid()
	rss, err := readRSS(pid)
	if err != nil || rss <= 0 {
		t.Fatalf("readRSS = %d, %v", rss, err)
	}
	ticks, err := readCPUTicks(pid)
	if err != nil || ticks < 0 {
		t.Fatalf("readCPUTicks = %d, %v", ticks, err)
	}
}

func TestReadStats(t *testing.T) {
	// The head and last two rows of a real sipp 3.6.1 -trace_stat file,
	// cut to the columns that matter.
	text := "StartTime;LastResetTime;CurrentTime;ElapsedTime(P);ElapsedTime(C);TargetRate;CallRate(P);CallRate(C);IncomingCall(P);IncomingCall(C);OutgoingCall(P);OutgoingCall(C);TotalCallCreated;CurrentCall;SuccessfulCall(P);SuccessfulCall(C);FailedCall(P);FailedCall(C);\n" +
		"a;b;c;0;0;10;0;0;0;0;0;10;10;10;0;0;0;0;\n" +
		"a;b;c;0;0;10;0;0;0;0;0;10;10;0;9;9;1;1;\n"
	path := filepath.Join(t.TempDir(), "stats.csv")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := readStats(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.successful != 9 || st.failed != 1 {
		t.Errorf("got %+v, want 9 successful, 1 failed", st)
	}
}
