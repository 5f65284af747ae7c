package metrics

import "testing"

// TestBuildInfo: parley_build_info carries the labels given, at 1, and is
// set only once.
func TestBuildInfo(t *testing.T) {
	m := newMetrics(t)
	if _, ok := scrape(t, m.Handler())["parley_build_info"]; ok {
		t.Fatal("parley_build_info before SetBuildInfo")
	}
	b := BuildInfo{Version: "v1.2.3", Commit: "875d454c", GoVersion: "go1.26.8"}
	if err := m.SetBuildInfo(b); err != nil {
		t.Fatal(err)
	}
	wantValue(t, scrape(t, m.Handler()), "parley_build_info",
		map[string]string{"version": "v1.2.3", "commit": "875d454c", "go_version": "go1.26.8"}, 1)
	if err := m.SetBuildInfo(BuildInfo{Version: "v9"}); err == nil {
		t.Error("second SetBuildInfo: nil error")
	}
	if _, ok := value(scrape(t, m.Handler()), "parley_build_info", map[string]string{"version": "v9", "commit": "", "go_version": ""}); ok {
		t.Error("second SetBuildInfo changed the metric")
	}
}
