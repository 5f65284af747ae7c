# Parley: the two set-up commands are `make run` and `make test`; both install
# what they need on a fresh Debian machine.
GO ?= go
export CGO_ENABLED := 1

.PHONY: build run test bench fuzz deps-build deps-test clean

build: deps-build
	$(GO) build -o bin/parley ./cmd/parley

run: build
	./bin/parley serve

test: deps-test
	$(GO) vet ./...
	$(GO) test -race -timeout 15m ./...

bench: deps-build
	$(GO) test -run '^$$' -bench . -benchmem ./media/... ./mixer/... ./video/... ./webrtc/...

# Every fuzz target for FUZZTIME each (default 30s); `go test` in `make test`
# replays their seed corpora (testdata/fuzz) on every run.
fuzz: deps-build
	FUZZTIME=$(or $(FUZZTIME),30s) scripts/fuzz.sh

deps-build:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

clean:
	rm -rf bin
