#!/usr/bin/env bash
# The main job on generated data, from a fresh machine: set up, install the
# package (and the `receptor` command), generate a month of receipts, inspect
# the files and run the batch. Output goes to ${DEMO_DIR:-/tmp/receptor-demo}.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
python3 -m pip install -q .
out=${DEMO_DIR:-/tmp/receptor-demo}
rm -rf "$out"
mkdir -p "$out"
receptor generate --out "$out/month" --receipts "${DEMO_RECEIPTS:-20000}" --seed 1 --masters data/masters
receptor generate --out "$out/payer" --receipts 2000 --seed 2 --payer-side --masters data/masters
echo "== inspect (payer-side files)"
receptor inspect "$out"/payer/*.CSV
echo "== inspect (institution-side files, one line each)"
receptor inspect --json "$out"/month/*.UKE "$out"/month/*.CYO | python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    print(f"{o[\"file\"].split(\"/\")[-1]:32} {o[\"format\"]:9} {o[\"receipts\"]:6} receipts {o[\"points\"]:9} points  "
          f"GO {o[\"go\"][\"points\"] if o[\"go\"] else \"-\":>9}  errors {len(o[\"errors\"])} warnings {len(o[\"warnings\"])}")
' | head -20
echo "== run"
feed=()
[ -f "$out/month/tickets.csv" ] && feed=(--recipients "$out/month/recipients.csv" --tickets "$out/month/tickets.csv")
receptor run --receipts "$out/month" "${feed[@]}" --out "$out/results.h5"
python3 -c "
import receptor
r = receptor.open_results('$out/results.h5')
print(r.receipts.groupby('kind').size().to_string())
print(r.receipts['match_status'].value_counts().to_string())
"
