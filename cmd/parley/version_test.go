package main

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestBuildInfoFrom(t *testing.T) {
	stamped := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "aaaa"},
		{Key: "vcs.time", Value: "2026-12-06T19:00:00Z"}, {Key: "vcs.modified", Value: "false"}}
	link := linkStamp{revision: "bbbb", time: "2026-12-01T08:00:00Z", modified: "true"}
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		link linkStamp
		want buildInfo
		line string
	}{
		{name: "no build info at all", want: buildInfo{Version: "devel", GoVersion: runtime.Version()},
			line: "parley devel (commit unknown; " + runtime.Version()},
		{name: "a checkout, unstamped", bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			want: buildInfo{Version: "devel", GoVersion: "go1.26.8"}, line: "parley devel (commit unknown; go1.26.8 "},
		{name: "go install of a release", bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"}},
			want: buildInfo{Version: "v1.4.0", GoVersion: "go1.26.8"}, line: "parley v1.4.0 (commit unknown; go1.26.8 "},
		{name: "the linker's stamp when the go command made none", bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			link: link, want: buildInfo{Version: "devel", Commit: "bbbb", Time: "2026-12-01T08:00:00Z", Modified: true, GoVersion: "go1.26.8"},
			line: "parley devel (commit bbbb, 2026-12-01T08:00:00Z, modified; go1.26.8 "},
		{name: "the go command's stamp wins", bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261206190000-aaaa"}, Settings: stamped},
			link: link, want: buildInfo{Version: "v0.0.0-20261206190000-aaaa", Commit: "aaaa", Time: "2026-12-06T19:00:00Z", GoVersion: "go1.26.8"},
			line: "parley v0.0.0-20261206190000-aaaa (commit aaaa, 2026-12-06T19:00:00Z; go1.26.8 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := buildInfoFrom(tt.bi, tt.link)
			if got != tt.want {
				t.Errorf("buildInfoFrom = %+v, want %+v", got, tt.want)
			}
			if line := got.String(); len(line) < len(tt.line) || line[:len(tt.line)] != tt.line {
				t.Errorf("String() = %q, want it to start with %q", line, tt.line)
			}
		})
	}
}
