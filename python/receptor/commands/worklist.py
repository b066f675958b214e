"""``receptor worklist``: list, update and export the worklist of a result file from the shell."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

import pandas as pd

from ..worklist import OUTCOMES, STATUSES, Worklist


def _user() -> str:
    try:
        return os.environ.get("RECEPTOR_USER") or getpass.getuser()
    except (KeyError, OSError):  # no login name in a container
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--results", required=True, metavar="R.h5", help="result file of `receptor run`")
    common.add_argument("--log", metavar="FILE", help="decision log (default: R.h5.worklist.jsonl)")
    common.add_argument("--recipients", metavar="F", help="recipients.csv: its caseworker column assigns findings")
    common.add_argument("--user", default=None, help="who works (default: $RECEPTOR_USER, else the login name)")
    filters = argparse.ArgumentParser(add_help=False)
    filters.add_argument("--office", help="only this office_no")
    filters.add_argument("--caseworker", help="only this caseworker")
    filters.add_argument("--status", action="append", choices=[*STATUSES, "resolved_by_data"],
                         help="only these statuses (repeatable)")
    filters.add_argument("--code", action="append", help="only these finding codes (repeatable)")

    parser = argparse.ArgumentParser(
        prog="receptor worklist",
        description="Work the findings of a result file: list them with their state, record decisions "
                    "(kept in an append-only log beside the results, attached by finding_id across re-runs), "
                    "export for Excel. Exit 0 done, 2 bad input.")
    sub = parser.add_subparsers(dest="action", required=True)
    ls = sub.add_parser("list", parents=[common, filters], help="findings with their state")
    ls.add_argument("--format", choices=["table", "csv", "json"], default="table")
    up = sub.add_parser("update", parents=[common], help="record a decision on one finding")
    up.add_argument("finding_id")
    up.add_argument("--status", dest="new_status", choices=STATUSES)
    up.add_argument("--outcome", choices=[*OUTCOMES, ""])
    up.add_argument("--owner")
    up.add_argument("--due", metavar="YYYY-MM-DD")
    up.add_argument("--note")
    ex = sub.add_parser("export", parents=[common, filters], help="write the items as .csv (Excel) or .xlsx")
    ex.add_argument("--out", required=True, metavar="FILE.csv|FILE.xlsx")
    for name, text in (("summary", "unworked findings per office and code"),
                       ("ageing", "open findings per office by days open"),
                       ("offices", "findings per office by status"),
                       ("caseworkers", "findings per caseworker by status")):
        view = sub.add_parser(name, parents=[common], help=text)
        if name in ("summary", "ageing"):
            view.add_argument("--as-of", metavar="YYYY-MM-DD")
    return parser


def main(argv: list[str]) -> int:
    """Run ``receptor worklist ACTION ...``; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        wl = Worklist.open(args.results, args.log, recipients=args.recipients, user=args.user or _user())
        if args.action == "list":
            items = wl.items(office_no=args.office, caseworker=args.caseworker, status=args.status, code=args.code)
            _print(items, args.format)
        elif args.action == "update":
            state = wl.update(args.finding_id, user=args.user or _user(), status=args.new_status,
                              outcome=args.outcome, owner=args.owner, due=args.due, note=args.note)
            print(f"{args.finding_id}: " + ", ".join(f"{k}={v}" for k, v in state.items() if v))
        elif args.action == "export":
            items = wl.items(office_no=args.office, caseworker=args.caseworker, status=args.status, code=args.code)
            out = (wl.export_xlsx if args.out.lower().endswith(".xlsx") else wl.export_csv)(args.out, items)
            print(f"receptor worklist: {len(items)} findings -> {out}", file=sys.stderr)
        elif args.action == "summary":
            _print(wl.supervisor_summary(args.as_of).reset_index(), "table")
        elif args.action == "ageing":
            _print(wl.ageing(args.as_of).reset_index(), "table")
        elif args.action == "offices":
            _print(wl.by_office().reset_index(), "table")
        elif args.action == "caseworkers":
            _print(wl.by_caseworker().reset_index(), "table")
    except (KeyError, ValueError, FileNotFoundError, OSError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"receptor worklist: {message}", file=sys.stderr)
        return 2
    return 0


def _print(frame: pd.DataFrame, fmt: str) -> None:
    if fmt == "csv":
        frame.to_csv(sys.stdout, index=False)
    elif fmt == "json":
        sys.stdout.write(frame.to_json(orient="records", force_ascii=False, date_format="iso") + "\n")
    elif frame.empty:
        print("(nothing found)")
    else:
        with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200,
                               "display.max_colwidth", 60):
            print(frame.to_string(index=False))
