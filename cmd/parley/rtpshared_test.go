package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAppSharedRTPMetrics: with rtp.shared_ports, /metrics has the shared
// sockets' counters (parley_rtp_shared_*), at 0 before any call; without,
// it has none of them.
func TestAppSharedRTPMetrics(t *testing.T) {
	for _, tc := range []struct {
		shared int
		want   bool
	}{{0, false}, {2, true}} {
		t.Run(fmt.Sprintf("shared_ports=%d", tc.shared), func(t *testing.T) {
			dir := t.TempDir()
			a, _, _ := startTestApp(t, dir, fmt.Sprintf(`sip:
  listen: [udp://127.0.0.1:0]
http:
  listen: 127.0.0.1:0
webrtc:
  udp_port: 0
  listen_ip: 127.0.0.1
h323:
  listen: ""
rtp:
  ports: 46100-46199
  shared_ports: %d
store:
  path: %s/parley.db
`, tc.shared, dir))
			client := &http.Client{Timeout: 5 * time.Second}
			code, body := httpGet(t, client, "http://"+a.HTTPAddr().String()+"/metrics")
			if code != http.StatusOK {
				t.Fatalf("GET /metrics = %d", code)
			}
			for _, m := range []string{"parley_rtp_shared_legs 0\n", "parley_rtp_shared_reads_total 0\n",
				"parley_rtp_shared_datagrams_sent_total 0\n", "parley_rtp_shared_datagrams_dropped_total 0\n"} {
				if got := strings.Contains(body, m); got != tc.want {
					t.Errorf("%q in /metrics: %v, want %v", m, got, tc.want)
				}
			}
		})
	}
}
