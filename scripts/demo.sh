#!/usr/bin/env bash
# The main job on generated data, from a fresh machine: set up, install the
# package (and the `receptor` command), generate a month of receipts, inspect
# the files and run the batch (matching, checks, anomaly scores). Output goes
# to ${DEMO_DIR:-/tmp/receptor-demo}.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
python3 -m pip install -q .
out=${DEMO_DIR:-/tmp/receptor-demo}
rm -rf "$out"
mkdir -p "$out"
# Three months of one population with the office's feed, injected cases of
# every match status and injected behaviour for the checks and scores.
receptor generate --scenario --months 3 --month 202405 --out "$out/month" --receipts "${DEMO_RECEIPTS:-20000}" \
  --seed 1 --masters data/masters
receptor generate --out "$out/payer" --receipts 2000 --seed 2 --payer-side --masters data/masters
echo "== inspect (payer-side files)"
receptor inspect "$out"/payer/*.CSV
echo "== inspect (institution-side files, one line each)"
receptor inspect --json "$out"/month/receipts/2024-07/*.UKE "$out"/month/receipts/2024-07/*.CYO > "$out/inspect.jsonl"
python3 - "$out/inspect.jsonl" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
for o in rows[:15]:
    go = o["go"]["points"] if o["go"] else "-"
    name = o["file"].split("/")[-1]
    print(f"{name:32} {o['format']:9} {o['receipts']:6} receipts {o['points']:9} points  GO {go:>9}  "
          f"errors {len(o['errors'])}  warnings {len(o['warnings'])}")
print(f"... {len(rows)} files, {sum(o['receipts'] for o in rows)} receipts, "
      f"{sum(len(o['errors']) for o in rows)} errors")
PY
echo "== run"
feed="$out/month/feed"
receptor run --receipts "$out/month/receipts" --recipients "$feed/recipients.csv" \
  --tickets "$feed/tickets.csv" --tickets "$feed/tickets_late.csv" --other-schemes "$feed/other_schemes.csv" \
  --masters data/masters --config data/config/receptor.conf --out "$out/results.h5"
# Reading results takes an access context (docs/audit.md): here staff of every office.
RECEPTOR_ROLE=office_staff RECEPTOR_OFFICES='*' python3 -c "
import receptor
r = receptor.open_results('$out/results.h5')
print(r.receipts.groupby('kind').size().to_string())
print(r.receipts['match_status'].value_counts().to_string())
print(r.findings['code'].value_counts().to_string())
frequent = r.findings[r.findings.code == 'FREQUENT_VISITS']
print(frequent[['office_no', 'person_id', 'month', 'institution', 'detail']].head(5).to_string())
top = r.scores_institution.sort_values('score', ascending=False)
print(top[['institution', 'month', 'peer_group', 'score', 'top_features']].head(5).to_string())
"
