#!/usr/bin/env bash
# Builds and runs the fuzzers of both readers for a bounded time each:
# uke_reader_fuzz (レセ電 receipts) and feed_reader_fuzz (the office feed).
#
#   scripts/fuzz.sh [SECONDS]        (default 60, per target)
#
# The fuzz build is its own CMake project (tests/fuzz) in its own build
# directory, so it never disturbs the main build. Each seed corpus
# (tests/fuzz/corpus, tests/fuzz/corpus_feed) is copied first: libFuzzer
# writes new inputs into the copy, not into the repository. Exits non-zero on
# a crash, leak, timeout, out-of-memory or invariant violation; the
# reproducer is left in $FUZZ_WORK/<target>/artifacts.
#
# Environment:
#   FUZZ_BUILD_DIR  build directory   (default: build/fuzz, which git ignores)
#   FUZZ_WORK       corpus + artifacts (default: $FUZZ_BUILD_DIR/run)
#   FUZZ_JOBS       parallel fuzzing jobs per target (default 1)
#   FUZZ_TARGETS    which targets, space-separated (default: both)
set -euo pipefail

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: $0 [SECONDS]" >&2
  exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${FUZZ_BUILD_DIR:-$root/build/fuzz}"
work_root="${FUZZ_WORK:-$build/run}"
jobs="${FUZZ_JOBS:-1}"
targets="${FUZZ_TARGETS:-uke_reader_fuzz feed_reader_fuzz}"

CC=clang CXX=clang++ cmake -S "$root/tests/fuzz" -B "$build" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DRECEPTOR_FUZZ=ON -DRECEPTOR_PYTHON=OFF -DRECEPTOR_TESTS=OFF -DRECEPTOR_BENCH=OFF \
  >/dev/null
# shellcheck disable=SC2086
cmake --build "$build" --target $targets -j "$(nproc)"

failed=0
for target in $targets; do
  case "$target" in
    uke_reader_fuzz)  corpus="$root/tests/fuzz/corpus";      dict="$root/tests/fuzz/uke.dict" ;;
    feed_reader_fuzz) corpus="$root/tests/fuzz/corpus_feed"; dict="$root/tests/fuzz/feed.dict" ;;
    *) echo "unknown fuzz target $target" >&2; exit 2 ;;
  esac
  work="$work_root/$target"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp -r "$corpus/." "$work/corpus/"
  echo "$target: $(find "$work/corpus" -type f | wc -l) seed files; fuzzing for ${seconds}s"
  status=0
  args=(
    -max_len=65536
    -timeout=10
    -rss_limit_mb=2048
    -max_total_time="$seconds"
    -print_final_stats=1
    -artifact_prefix="$work/artifacts/"
    -dict="$dict"
  )
  if [ "$jobs" -gt 1 ]; then
    args+=(-jobs="$jobs" -workers="$jobs")
  fi
  (cd "$work" && "$build/$target" "${args[@]}" "$work/corpus") || status=$?
  # libFuzzer returns non-zero on a crash; an artifact is a finding even when a
  # parallel job's exit status was lost. A slow-unit file is not a finding:
  # libFuzzer writes one when an input took over 10 s of wall time (a loaded
  # machine does that), and an input that really hangs is a timeout- file.
  artifacts=$(find "$work/artifacts" -type f ! -name 'slow-unit-*' | wc -l)
  for slow in $(find "$work/artifacts" -type f -name 'slow-unit-*'); do
    echo "fuzz: $target note: slow input $slow (replay it to see whether it is slow alone)" >&2
  done
  if [ "$status" -ne 0 ] || [ "$artifacts" -ne 0 ]; then
    echo "fuzz: $target FAILED (exit $status, $artifacts artifact(s) in $work/artifacts)" >&2
    find "$work/artifacts" -type f ! -name 'slow-unit-*' >&2
    failed=1
  else
    echo "fuzz: $target no crash in ${seconds}s; corpus now $(find "$work/corpus" -type f | wc -l) files"
  fi
done
exit "$failed"
