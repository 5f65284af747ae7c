package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/parleyhq/parley/metrics"
)

// The VCS state of the build, set at link time by scripts/ldflags.sh
// (`-ldflags -X main.vcsRevision=…`) for builds the go command could not
// stamp itself: a git worktree, whose .git is a file, or GOFLAGS=
// -buildvcs=false. They are written only by the linker; the vcs.* settings
// of debug.ReadBuildInfo win when present.
var (
	vcsRevision string // full commit hash
	vcsTime     string // commit time, RFC 3339 in UTC
	vcsModified string // "true" when the tree had uncommitted changes
)

// buildInfo identifies the running binary: `parley version`, the
// parley_build_info metric and the start-up log line.
type buildInfo struct {
	Version   string // module version, or "devel" for a build of a checkout
	Commit    string // VCS commit hash; empty when unknown
	Time      string // commit time, RFC 3339; empty when unknown
	Modified  bool   // the tree had uncommitted changes
	GoVersion string // the toolchain that built it, e.g. go1.26.8
}

// linkStamp is what the linker set in the vcs* variables.
type linkStamp struct{ revision, time, modified string }

// readBuildInfo returns the running binary's build information.
func readBuildInfo() buildInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return buildInfoFrom(bi, linkStamp{vcsRevision, vcsTime, vcsModified})
}

// buildInfoFrom merges what the go command stamped (bi, nil when the
// binary has none) with what the linker set (link): the go command's
// version and vcs.* settings first, link for what they lack.
func buildInfoFrom(bi *debug.BuildInfo, link linkStamp) buildInfo {
	out := buildInfo{Version: "devel", GoVersion: runtime.Version()}
	settings := map[string]string{}
	if bi != nil {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			out.Version = v
		}
		if bi.GoVersion != "" {
			out.GoVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			settings[s.Key] = s.Value
		}
	}
	if rev, ok := settings["vcs.revision"]; ok {
		out.Commit, out.Time, out.Modified = rev, settings["vcs.time"], settings["vcs.modified"] == "true"
		return out
	}
	out.Commit, out.Time, out.Modified = link.revision, link.time, link.modified == "true"
	return out
}

// String is the one line `parley version` prints:
// "parley devel (commit 875d454…, 2026-12-06T19:20:00Z, modified; go1.26.8 linux/amd64)".
func (b buildInfo) String() string {
	parts := []string{"commit unknown"}
	if b.Commit != "" {
		parts = []string{"commit " + b.Commit}
		if b.Time != "" {
			parts = append(parts, b.Time)
		}
		if b.Modified {
			parts = append(parts, "modified")
		}
	}
	return fmt.Sprintf("parley %s (%s; %s %s/%s)", b.Version, strings.Join(parts, ", "), b.GoVersion, runtime.GOOS, runtime.GOARCH)
}

// versionCmd is `parley version` and `parley --version`: one line with
// the version, the commit and the Go version.
func versionCmd(*flag.FlagSet) action {
	return func(pos []string, stdout, _ io.Writer) int {
		if len(pos) != 0 {
			return exitUsage
		}
		fmt.Fprintln(stdout, readBuildInfo())
		return 0
	}
}

// metric is b as the parley_build_info metric's labels.
func (b buildInfo) metric() metrics.BuildInfo {
	return metrics.BuildInfo{Version: b.Version, Commit: b.Commit, GoVersion: b.GoVersion}
}
