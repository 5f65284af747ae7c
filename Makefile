# Parley: the two set-up commands are `make run` and `make test`; both install
# what they need on a fresh Debian machine.
GO ?= go
export CGO_ENABLED := 1

.PHONY: build run test bench fuzz soak load deb deps-build deps-test clean

build: deps-build
	$(GO) build -ldflags "$$(scripts/ldflags.sh)" -o bin/parley ./cmd/parley

run: build
	./bin/parley serve

# -parallel 4: most e2e tests marked parallel wait on timers, peers and
# prompts rather than compute, so four side by side fit two cores.
test: deps-test
	$(GO) vet ./...
	PARLEY_REQUIRE_POSTGRES=1 PARLEY_REQUIRE_NATS=1 $(GO) test -race -timeout 25m -parallel 4 ./...

bench: deps-build
	$(GO) test -run '^$$' -bench . -benchmem ./media/... ./mixer/... ./video/... ./webrtc/... ./h323/per/

# Every fuzz target for FUZZTIME each (default 30s); `go test` in `make test`
# replays their seed corpora (testdata/fuzz) on every run.
fuzz: deps-build
	FUZZTIME=$(or $(FUZZTIME),30s) scripts/fuzz.sh

# Holds SOAK_LEGS G.711 calls from sipp on a real `parley serve` for
# SOAK_DURATION and judges RSS and goroutines flat (cmd/soak); results in
# bin/soak/ (samples.csv, summary.txt, logs). Not part of `make test`, which
# runs a 30 s smoke of it (TestSoakSmoke).
SOAK_DURATION ?= 1h
SOAK_LEGS ?= 500
soak: deps-test build
	$(GO) run ./cmd/soak -parley bin/parley -legs $(SOAK_LEGS) -duration $(SOAK_DURATION) -dir bin/soak

# Parley and Janus's AudioBridge side by side under real SIP/RTP load
# (cmd/parley-load): the bridge pinned to CPU 0 with GOMAXPROCS=1, the load
# generator on CPU 1; one room of N phones with 3 talkers, then N/5 rooms of
# 5 talkers, at each of LOAD_LEGS; the WebRTC browser scenarios (Parley
# only) at each of LOAD_BROWSER_LEGS; the call setup rate; every packet
# sent delayed by 0 to LOAD_JITTER; -find-max: one room's N raised ×1.5
# past the last while Parley holds. Tables printed and written to
# bin/load/results.md, and each scenario's section of LOAD_BENCHMARKS
# (BENCHMARKS.md; empty: none) rewritten between its <!-- load:begin/end
# SCENARIO --> markers. Under 15 minutes with the defaults on an idle
# 2-core machine (BENCHMARKS.md, "Load harness"). `make test` runs a smoke
# of it (TestLoadSmoke).
LOAD_LEGS ?= 200,400,800
LOAD_BROWSER_LEGS ?= 50,100
LOAD_WINDOW ?= 15s
LOAD_JITTER ?= 30ms
LOAD_SCENARIOS ?= one-room,rooms-of-5,browsers,browsers-rooms-of-5,mixed,setup-rate
LOAD_FLAGS ?=
LOAD_BENCHMARKS ?= BENCHMARKS.md
load: deps-test build
	$(GO) build -o bin/parley-load ./cmd/parley-load
	bin/parley-load -parley bin/parley -janus janus -legs $(LOAD_LEGS) -browser-legs $(LOAD_BROWSER_LEGS) \
		-scenario $(LOAD_SCENARIOS) -jitter $(LOAD_JITTER) -window $(LOAD_WINDOW) -find-max -dir bin/load \
		-benchmarks '$(LOAD_BENCHMARKS)' $(LOAD_FLAGS)

# One room over three `parley serve` nodes (cluster.sip_routing cascade)
# on one nats-server and one PostgreSQL, Kamailio's dispatcher in front
# (cmd/parley-load cluster): nodes pinned to CPUs 0, 1, 0 with
# GOMAXPROCS=1, the generator on CPU 1; one room of each of
# LOAD_CLUSTER_LEGS legs dialled through Kamailio, then ×1.5 while every
# node holds (the tones at a silent leg on each node, late ticks < 0.1%),
# one cascade hop's added latency, then the call setup rate through
# Kamailio. Tables printed and written to bin/load-cluster/results.md;
# 4 to 8 minutes. `make test` runs a smoke
# of it (TestLoadClusterSmoke).
LOAD_CLUSTER_LEGS ?= 150,300,600,900
LOAD_CLUSTER_FLAGS ?=
.PHONY: load-cluster
load-cluster: deps-test build
	$(GO) build -o bin/parley-load ./cmd/parley-load
	bin/parley-load cluster -parley bin/parley -legs $(LOAD_CLUSTER_LEGS) -find-max -dir bin/load-cluster $(LOAD_CLUSTER_FLAGS)

# The Debian package (packaging/mkdeb.sh, with dpkg-deb): binary, systemd
# unit, /etc/parley/parley.yaml, /var/lib/parley; written to DEB_OUT
# (default bin/), version DEB_VERSION (default 0.0~gitDATE.COMMIT).
deb: build
	@scripts/deps.sh deb
	packaging/mkdeb.sh bin/parley $(or $(DEB_OUT),bin)

deps-build:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

clean:
	rm -rf bin
