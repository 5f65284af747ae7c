package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/testpg"
)

// The cluster under test (parley-load cluster): a nats-server with
// JetStream, a PostgreSQL shared by the nodes, three `parley serve` nodes
// with cluster.sip_routing cascade, and Kamailio's dispatcher in front.

// natsServer is a running nats-server with its monitoring port.
type natsServer struct {
	p       *proc
	url     string // nats://127.0.0.1:PORT
	monitor string // http://127.0.0.1:PORT, for /varz
}

// startNATS runs bin with JetStream, its store under dir, unpinned; it
// returns once the server logs that it is ready.
func startNATS(bin, dir string) (*natsServer, error) {
	port, err := freePort("tcp")
	if err != nil {
		return nil, err
	}
	mon, err := freePort("tcp")
	if err != nil {
		return nil, err
	}
	p, err := startPinned(dir, "nats", -1, nil, bin, "-a", "127.0.0.1", "-p", strconv.Itoa(port), "-m", strconv.Itoa(mon),
		"-js", "-sd", filepath.Join(dir, "js"), "-n", "parley-load")
	if err != nil {
		return nil, err
	}
	err = p.waitFor(defaultReadyTimeout, func() error {
		b, err := os.ReadFile(filepath.Join(dir, "nats.log"))
		if err == nil && !strings.Contains(string(b), "Server is ready") {
			err = fmt.Errorf("not ready yet")
		}
		return err
	})
	if err != nil {
		p.stop()
		return nil, fmt.Errorf("nats-server: %w; see %s", err, filepath.Join(dir, "nats.log"))
	}
	return &natsServer{p: p, url: fmt.Sprintf("nats://127.0.0.1:%d", port), monitor: fmt.Sprintf("http://127.0.0.1:%d", mon)}, nil
}

// natsCounts are the server's message counters (/varz).
type natsCounts struct {
	InMsgs  int64 `json:"in_msgs"`
	OutMsgs int64 `json:"out_msgs"`
	InBytes int64 `json:"in_bytes"`
}

// counts reads the server's message counters.
func (n *natsServer) counts() (natsCounts, error) {
	var c natsCounts
	res, err := http.Get(n.monitor + "/varz")
	if err != nil {
		return c, fmt.Errorf("nats /varz: %w", err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(&c); err != nil {
		return c, fmt.Errorf("nats /varz: %w", err)
	}
	return c, nil
}

// startStore starts what the nodes' store.driver needs and returns the
// store section of their configs (with %s for the node's directory) and
// the function that stops it: a PostgreSQL (internal/testpg: initdb on a
// free loopback port, Debian's postgresql 15) shared by the nodes, or
// nothing for "sqlite" (each node its own file).
func startStore(driver string) (section string, stop func(), err error) {
	switch driver {
	case "sqlite":
		return "store:\n  path: %s\n", func() {}, nil
	case "postgres":
		if m := testpg.Missing(); m != "" {
			return "", nil, fmt.Errorf("-store postgres: %s (or -store sqlite)", m)
		}
		pg, err := testpg.Start()
		if err != nil {
			return "", nil, err
		}
		return fmt.Sprintf("store:\n  driver: postgres\n  dsn: %q\n  path: %%s\n", pg.DSN), func() { _ = pg.Stop() }, nil
	}
	return "", nil, fmt.Errorf("-store %q: want postgres or sqlite", driver)
}

// clusterNode is one `parley serve` of the cluster.
type clusterNode struct {
	*parleyBridge
	name     string
	cpu      int // the core it is pinned to; -1: not pinned
	rtpLo    int // its RTP ports: rtpLo..rtpHi
	rtpHi    int
	idleRSS  int // KiB, once ready
	isOwner  bool
	nodeLegs []*leg // the load's legs that reached it
}

// nodeSpec is how one node is started.
type nodeSpec struct {
	name     string
	cpu      int
	rtpLo    int
	rtpHi    int
	legs     int // the most calls it may hold at once (SIP limits)
	shared   int
	rooms    int
	natsURL  string
	storeFmt string // the store section with %s for the node's directory
}

// startNode writes the node's config into dir and starts it pinned to
// spec.cpu with GOMAXPROCS=1, returning once it is ready.
func startNode(ctx context.Context, bin, dir string, spec nodeSpec) (*clusterNode, error) {
	sipPort, err := freePort("udp")
	if err != nil {
		return nil, err
	}
	httpPort, err := freePort("tcp")
	if err != nil {
		return nil, err
	}
	cfg := parleyConfig(dir, spec.rooms, sipPort, httpPort, fmt.Sprintf("%d-%d", spec.rtpLo, spec.rtpHi), spec.legs, spec.shared)
	single := fmt.Sprintf("store:\n  path: %s\n", filepath.Join(dir, "parley.db"))
	if !strings.Contains(cfg, single) {
		return nil, fmt.Errorf("node config: no store section to replace in:\n%s", cfg)
	}
	cfg = strings.Replace(cfg, single, fmt.Sprintf(spec.storeFmt, filepath.Join(dir, "parley.db")), 1)
	cfg += fmt.Sprintf("cluster:\n  node: %s\n  nats: [%s]\n  lease_ttl: 3s\n  sip_routing: cascade\n  drain: false\n", spec.name, spec.natsURL)
	path := filepath.Join(dir, "parley.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return nil, fmt.Errorf("node config: %w", err)
	}
	b, err := runParley(ctx, bin, dir, path, spec.cpu, sipPort, httpPort)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", spec.name, err)
	}
	n := &clusterNode{parleyBridge: b, name: spec.name, cpu: spec.cpu, rtpLo: spec.rtpLo, rtpHi: spec.rtpHi}
	if n.idleRSS, err = rssKiB(n.pid()); err != nil {
		n.stop()
		return nil, err
	}
	return n, nil
}

// has reports whether an RTP address of an SDP answer is this node's.
func (n *clusterNode) has(media *net.UDPAddr) bool {
	return media != nil && media.Port >= n.rtpLo && media.Port <= n.rtpHi
}

// kamailioProc is a running Kamailio with the repository's dispatcher
// config (packaging/kamailio/kamailio.cfg).
type kamailioProc struct {
	p    *proc
	addr string // HOST:PORT of its UDP listener
}

// startKamailio runs bin on a free loopback UDP port, unpinned, with the
// nodes as its dispatcher set and dispatcher algorithm alg ("4": round
// robin, "7": hash of the room); it returns once it answers OPTIONS.
func startKamailio(bin, cfg, dir, alg string, nodes []*clusterNode) (*kamailioProc, error) {
	list := "# written by parley-load cluster\n"
	for _, n := range nodes {
		list += "1 sip:" + n.sipAddr + " 0 0\n"
	}
	dsList := filepath.Join(dir, "dispatcher.list")
	if err := os.WriteFile(dsList, []byte(list), 0o600); err != nil {
		return nil, err
	}
	port, err := freePort("udp")
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	// -m/-M: shared and private memory in MB, room for a few thousand
	// transactions at once.
	p, err := startPinned(dir, "kamailio", -1, nil, bin, "-f", cfg, "-DD", "-E", "-m", "256", "-M", "16",
		"-A", fmt.Sprintf("DS_LIST=%q", dsList), "-A", fmt.Sprintf("DS_ALG=%q", alg),
		"-l", "udp:"+addr, "-Y", dir, "-P", filepath.Join(dir, "kamailio.pid"))
	if err != nil {
		return nil, err
	}
	if err := p.waitFor(defaultReadyTimeout, func() error { return optionsPing(addr) }); err != nil {
		p.stop()
		return nil, fmt.Errorf("kamailio: %w; see %s", err, filepath.Join(dir, "kamailio.log"))
	}
	return &kamailioProc{p: p, addr: addr}, nil
}

// optionsPing sends addr an OPTIONS for itself and wants 200 within 200 ms.
func optionsPing(addr string) error {
	c, err := net.Dial("udp4", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	id := time.Now().UnixNano()
	req := fmt.Sprintf("OPTIONS sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK%d;rport\r\n"+
		"Max-Forwards: 5\r\nFrom: <sip:probe@127.0.0.1>;tag=probe\r\nTo: <sip:%s>\r\n"+
		"Call-ID: probe-%d\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", addr, c.LocalAddr(), id, addr, id)
	if _, err := c.Write([]byte(req)); err != nil {
		return err
	}
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(string(buf[:n]), "SIP/2.0 200") {
		return fmt.Errorf("OPTIONS: %q", strings.SplitN(string(buf[:n]), "\r\n", 2)[0])
	}
	return nil
}

// treeCPU is the CPU time of pid and of its children, theirs included
// (Kamailio's worker processes), from /proc.
func treeCPU(pid int) (time.Duration, error) {
	total, err := cpuTime(pid)
	if err != nil {
		return 0, err
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return total, nil // no CONFIG_PROC_CHILDREN: the process alone
	}
	for _, f := range strings.Fields(string(b)) {
		child, err := strconv.Atoi(f)
		if err != nil {
			continue
		}
		if c, err := treeCPU(child); err == nil { // a child may have exited since
			total += c
		}
	}
	return total, nil
}
