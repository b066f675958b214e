"""``receptor render``: one receipt of a result file as HTML, laid out like the paper レセプト."""

from __future__ import annotations

import argparse
import sys

from ..render import render_receipt


def main(argv: list[str]) -> int:
    """Run ``receptor render --results R.h5 KEY [--out FILE.html] [--masters DIR]``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="receptor render",
        description="Write one receipt of a result file as HTML laid out like the paper レセプト "
                    "(patient, insurance and 公費, diseases, 摘要 by 診療識別 with points, totals, and "
                    "for payer-side receipts what the review changed). Exit 0 done, 2 bad input.")
    parser.add_argument("key", metavar="KEY", help="receipt_key (as in findings.receipt_key)")
    parser.add_argument("--results", required=True, metavar="R.h5", help="result file of `receptor run`")
    parser.add_argument("--out", metavar="FILE.html", help="write here (default: standard output)")
    parser.add_argument("--masters", metavar="DIR", help="master folder for names (default: the installed masters)")
    args = parser.parse_args(argv)
    try:
        view = render_receipt(args.results, args.key, masters=args.masters)
    except (KeyError, FileNotFoundError, ValueError, OSError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"receptor render: {message}", file=sys.stderr)
        return 2
    if args.out:
        view.save(args.out)
        print(f"receptor render: {args.key} -> {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(view.html)
    return 0
