#!/usr/bin/env bash
# Parse throughput on a generated payer-side 医科 file of about 1.2 GB
# (600,000 receipts, codes from data/masters). Usage: bench/parse.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/bench}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRECEPTOR_PYTHON=OFF >/dev/null
cmake --build "$BUILD" --target receptor parse_throughput
DATA=${RECEPTOR_BENCH_DATA:-/tmp/receptor-bench/payer-medical-600k}
if [ ! -f "$DATA/11_RECODEINFO_MED.CSV" ]; then
  "$BUILD/actors/receptor" generate --out "$DATA" --receipts 600000 --payer-side --only medical \
    --masters data/masters --seed 1
fi
"$BUILD/bench/parse_throughput" "$DATA/11_RECODEINFO_MED.CSV" --repeat 3
