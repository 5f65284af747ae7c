package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/testnats"
)

// TestClusterNATSUser: with a nats-server that wants a user, nodes given
// cluster.nats_user and nats_password join the cluster and see each
// other; a node with a wrong password stays out, logs the server's
// refusal, and never logs the password.
func TestClusterNATSUser(t *testing.T) {
	t.Parallel()
	ns := testnats.StartWith(t, "--user", "parley", "--pass", "nats-right-pw")
	withUser := func(name, password, ports string) string {
		return clusterNode(name, ns.URL, ports) + "  nats_user: parley\n  nats_password: " + password + "\n"
	}
	startParley(t, withUser("alpha", "nats-right-pw", "53700-53749"))
	beta := startParley(t, withUser("beta", "nats-right-pw", "53750-53799"))
	joined := beta.logged("cluster joined")
	if len(joined) != 1 || !strings.Contains(joined[0]["members"].(string), "alpha") {
		t.Fatalf("beta did not see alpha among the members: %v", joined)
	}

	intruder := startParley(t, withUser("gamma", "nats-wrong-pw", "53750-53799"))
	intruder.waitLog(t, "cluster: nats connection failed", 1, 10*time.Second)
	if err := intruder.logged("cluster: nats connection failed")[0]["err"].(string); !strings.Contains(strings.ToLower(err), "authorization violation") {
		t.Errorf("the refusal logged as %q, want the server's authorization violation", err)
	}
	intruder.logMu.Lock()
	all, _ := json.Marshal(intruder.logs)
	intruder.logMu.Unlock()
	if strings.Contains(string(all), "nats-wrong-pw") {
		t.Fatal("the NATS password is in parley's log")
	}
}
