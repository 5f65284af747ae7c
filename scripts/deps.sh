#!/usr/bin/env bash
# Installs the Debian packages Parley needs when they are missing.
#   scripts/deps.sh build   what `make build` and `make run` need (libopus for cgo)
#   scripts/deps.sh test    that plus the real peers the end-to-end tests drive
#                           (baresip with FFmpeg codecs for H.264 video, sipp,
#                           headless Chromium and Firefox ESR for
#                           the join page)
#   scripts/deps.sh deb     build's plus dpkg-dev for `make deb`
set -euo pipefail
build_pkgs=(gcc pkg-config libopus-dev libopusfile-dev)
build_pkgs+=(libspandsp-dev) # G.722 (media/g722)
build_pkgs+=(libbcg729-dev) # G.729 Annex A (media/g729, cgo)
test_pkgs=(sip-tester baresip baresip-core baresip-ffmpeg sox openssl tshark chromium fonts-liberation firefox-esr sipvicious iproute2 python3)
test_pkgs+=(pebble nginx-light) # HTTPS tests: a local ACME CA, a reverse proxy in front
test_pkgs+=(prometheus) # promtool: checks and unit-tests the alert rules (e2e/observability_test.go)
test_pkgs+=(nats-server) # the cluster's NATS (JetStream), started by cluster and e2e tests (internal/testnats)
test_pkgs+=(kamailio) # packaging/kamailio's dispatcher in front of a cluster (e2e/kamailio_test.go)
test_pkgs+=(sngrep) # SIP trace tests: a HEP collector
test_pkgs+=(dpkg-dev systemd)       # make deb and systemd-analyze (packaging/deb_test.go)
test_pkgs+=(slapd ldap-utils)        # web sign-in against a real directory (internal/testslapd: accounts and e2e tests)
test_pkgs+=(erlang-base erlang-asn1) # erlc -bper: the independent aligned-PER codec of the H.323 tests (internal/erlper)
test_pkgs+=(janus util-linux)       # make load: Janus AudioBridge side by side, taskset pinning (cmd/parley-load)
test_pkgs+=(postgresql)              # store tests against PostgreSQL 15 (internal/testpg), store.driver: postgres
deb_pkgs=(dpkg-dev)
pkgs=("${build_pkgs[@]}")
[ "${1:-build}" = test ] && pkgs+=("${test_pkgs[@]}")
[ "${1:-build}" = deb ] && pkgs+=("${deb_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing missing packages: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
