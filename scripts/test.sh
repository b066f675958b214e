#!/usr/bin/env bash
# Builds everything with CMake and runs every test: GoogleTest suites and
# pytest through CTest, then a bounded fuzz run of the receipt reader.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/ci}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRECEPTOR_WERROR=ON
cmake --build "$BUILD" -j "$(nproc)"
ctest --test-dir "$BUILD" --output-on-failure -j "$(nproc)"
# The reader under AddressSanitizer and UBSan on random and mutated input,
# for a bounded time (longer runs: scripts/fuzz.sh SECONDS).
scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
