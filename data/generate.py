#!/usr/bin/env python3
"""Generate a month of realistic レセ電 receipt files (deterministic from a seed).

    python data/generate.py --out /tmp/month --receipts 10000 [--payer-side] [--seed 1]

The generator itself is C++ (runtime/receptor/synth); this script and
`receptor generate` are its two entry points. Writes OUT/manifest.json with
the totals a correct reader must find in each file.
"""

import argparse
import json
import sys


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="folder to write into (created if missing)")
    p.add_argument("--receipts", type=int, default=10000, help="receipts of the month (default 10000)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--month", type=int, default=202406, help="診療年月 YYYYMM")
    p.add_argument("--payer-side", action="store_true", help="レセ電コード情報ファイル, one file per kind")
    p.add_argument("--only", choices=["medical", "dpc", "dental", "pharmacy"])
    p.add_argument("--corrections", type=float, default=0.02, help="payer side: share with JY corrections")
    p.add_argument("--masters", help="draw codes from these master files (default: data/masters)")
    p.add_argument("--builtin-catalog", action="store_true", help="use the built-in code catalog")
    args = p.parse_args(argv)

    import receptor
    from receptor import _core

    masters = None if args.builtin_catalog else receptor.load_masters(args.masters)
    files = _core.generate(args.out, receipts=args.receipts, seed=args.seed, month=args.month,
                           payer_side=args.payer_side, only=args.only, correction_rate=args.corrections,
                           masters=masters)
    total = sum(f["receipts"] for f in files)
    size = sum(f["bytes"] for f in files)
    print(json.dumps({"files": len(files), "receipts": total, "bytes": size, "out": args.out}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
