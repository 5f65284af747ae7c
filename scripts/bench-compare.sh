#!/usr/bin/env bash
# bench-compare.sh BASE [ROUNDS]: the per-frame benchmarks of the media
# path, of the commit BASE and of the working tree, run one after the other
# in ROUNDS rounds (default 8) so that a change of load hits both alike,
# then compared with benchstat. It prints benchstat's tables; the raw
# files stay in $OUT (default a temporary directory).
set -euo pipefail
base=${1:?usage: scripts/bench-compare.sh BASE [ROUNDS]}
rounds=${2:-8}
root=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-$(mktemp -d)}
pkgs=(media media/jitter mixer webrtc)
bench='^(BenchmarkStreamTick|BenchmarkWritePayload|BenchmarkWritePayloadNoSyscall|BenchmarkReceiverSilent|BenchmarkReceiverTalking|BenchmarkSenderWrite|BenchmarkTick|BenchmarkTickOpusGuests|BenchmarkPushPop)$'
benchstat=(go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da)

wt="$out/base-tree"
git -C "$root" worktree add -q --detach "$wt" "$base"
trap 'git -C "$root" worktree remove --force "$wt"' EXIT

for side in base new; do
	dir=$root
	[ "$side" = base ] && dir=$wt
	for p in "${pkgs[@]}"; do
		(cd "$dir" && go test -c -o "$out/$side-${p//\//-}.test" "./$p/")
	done
	: >"$out/$side.txt"
done
for _ in $(seq "$rounds"); do
	for side in base new; do
		for p in "${pkgs[@]}"; do
			(cd "$root/$p" && "$out/$side-${p//\//-}.test" -test.run '^$' -test.bench "$bench" \
				-test.benchmem -test.count 1) | grep -E '^(Benchmark|goos|goarch|pkg|cpu)' >>"$out/$side.txt"
		done
	done
done
"${benchstat[@]}" "$out/base.txt" "$out/new.txt"
echo "raw results: $out/base.txt $out/new.txt" >&2
