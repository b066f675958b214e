#!/usr/bin/env bash
# Builds and runs the レセ電 reader fuzzer for a bounded time.
#
#   scripts/fuzz.sh [SECONDS]        (default 60)
#
# The fuzz build is its own CMake project (tests/fuzz) in its own build
# directory, so it never disturbs the main build. The seed corpus in
# tests/fuzz/corpus is copied first: libFuzzer writes new inputs into the
# copy, not into the repository. Exits non-zero on a crash, leak, timeout,
# out-of-memory or invariant violation; the reproducer is left in
# $FUZZ_WORK/artifacts.
#
# Environment:
#   FUZZ_BUILD_DIR  build directory   (default: build/fuzz, which git ignores)
#   FUZZ_WORK       corpus + artifacts (default: $FUZZ_BUILD_DIR/run)
#   FUZZ_JOBS       parallel fuzzing jobs (default 1)
set -euo pipefail

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: $0 [SECONDS]" >&2
  exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${FUZZ_BUILD_DIR:-$root/build/fuzz}"
work="${FUZZ_WORK:-$build/run}"
jobs="${FUZZ_JOBS:-1}"

CC=clang CXX=clang++ cmake -S "$root/tests/fuzz" -B "$build" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DRECEPTOR_FUZZ=ON -DRECEPTOR_PYTHON=OFF -DRECEPTOR_TESTS=OFF -DRECEPTOR_BENCH=OFF \
  >/dev/null
cmake --build "$build" --target uke_reader_fuzz -j "$(nproc)"

rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
cp -r "$root/tests/fuzz/corpus/." "$work/corpus/"
echo "corpus: $(find "$work/corpus" -type f | wc -l) seed files; fuzzing for ${seconds}s"

status=0
args=(
  -max_len=65536
  -timeout=10
  -rss_limit_mb=2048
  -max_total_time="$seconds"
  -print_final_stats=1
  -artifact_prefix="$work/artifacts/"
  -dict="$root/tests/fuzz/uke.dict"
)
if [ "$jobs" -gt 1 ]; then
  args+=(-jobs="$jobs" -workers="$jobs")
fi
(cd "$work" && "$build/uke_reader_fuzz" "${args[@]}" "$work/corpus") || status=$?

# libFuzzer returns non-zero on a crash; an artifact is a finding even when a
# parallel job's exit status was lost.
artifacts=$(find "$work/artifacts" -type f | wc -l)
if [ "$status" -ne 0 ] || [ "$artifacts" -ne 0 ]; then
  echo "fuzz: FAILED (exit $status, $artifacts artifact(s) in $work/artifacts)" >&2
  find "$work/artifacts" -type f >&2
  exit 1
fi
echo "fuzz: no crash in ${seconds}s; corpus now $(find "$work/corpus" -type f | wc -l) files"
