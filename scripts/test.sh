#!/usr/bin/env bash
# Builds everything with CMake and runs every test: GoogleTest suites and
# pytest through CTest, then a bounded fuzz run of both readers.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/ci}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRECEPTOR_WERROR=ON
cmake --build "$BUILD" -j "$(nproc)"
ctest --test-dir "$BUILD" --output-on-failure -j "$(nproc)"
# Both readers (receipts, office feed) under AddressSanitizer and UBSan on
# random and mutated input, 45 s each: 90 s of fuzzing in all (longer runs:
# scripts/fuzz.sh SECONDS).
scripts/fuzz.sh "${FUZZ_SECONDS:-45}"
