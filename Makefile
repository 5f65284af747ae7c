# Parley: the two set-up commands are `make run` and `make test`; both install
# what they need on a fresh Debian machine.
GO ?= go
export CGO_ENABLED := 1

.PHONY: build run test bench fuzz soak deps-build deps-test clean

build: deps-build
	$(GO) build -ldflags "$$(scripts/ldflags.sh)" -o bin/parley ./cmd/parley

run: build
	./bin/parley serve

test: deps-test
	$(GO) vet ./...
	$(GO) test -race -timeout 25m ./...

bench: deps-build
	$(GO) test -run '^$$' -bench . -benchmem ./media/... ./mixer/... ./video/... ./webrtc/...

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

deps-build:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

clean:
	rm -rf bin
