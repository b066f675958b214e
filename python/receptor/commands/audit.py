"""``receptor audit``: check and read the audit log.

``receptor audit verify [--log PATH | --results FILE]`` checks the hash chain
and names the first bad line; any role may run it (it prints no personal
data). ``receptor audit show ...`` prints entries and is for the auditor role
only; showing is itself logged.

Exit status: 0 done (verify: the log is intact), 2 the log fails verification
or cannot be read, or the role may not show it.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..access import AccessContext
from ..audit import AuditLog, default_log_path

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="receptor audit", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    for name, text in (("verify", "check the hash chain; report the first bad line and why"),
                       ("show", "print entries (role auditor)")):
        s = sub.add_parser(name, help=text, description=text)
        where = s.add_mutually_exclusive_group()
        where.add_argument("--log", help="the audit log (default: RECEPTOR_AUDIT_LOG)")
        where.add_argument("--results", help="a result file: the audit.log beside it")
        if name == "verify":
            s.add_argument("--anchor", help="a last hash an earlier verify printed: fail if it is gone "
                                            "(entries cut off the end)")
        if name == "show":
            s.add_argument("--user", help="only entries of this user")
            s.add_argument("--role", help="only entries of this role")
            s.add_argument("--action", help="only this action (prefix match: read_table matches read_table.denied)")
            s.add_argument("--office", help="only entries naming this office")
            s.add_argument("--subject", help="only entries naming this person or finding id (substring)")
            s.add_argument("--since", help="from this UTC time (ISO 8601 prefix, e.g. 2024-06-01)")
            s.add_argument("--until", help="before this UTC time (ISO 8601 prefix)")
            s.add_argument("--json", action="store_true", help="one JSON entry per line as stored")
    return p


def _log_path(args) -> str:
    if args.log:
        return args.log
    return default_log_path(args.results)


def _verify(args) -> int:
    log = AuditLog(_log_path(args))
    report = log.verify(anchor=args.anchor)
    for w in report.warnings:
        print(f"{log.path}: warning: {w}", file=sys.stderr)
    print(report)
    return 0 if report.ok else 2


def _matches(e: dict, args) -> bool:
    if args.user and e.get("user") != args.user:
        return False
    if args.role and e.get("role") != args.role:
        return False
    if args.action and not str(e.get("action", "")).startswith(args.action):
        return False
    if args.office and args.office not in str(e.get("office", "")).split(","):
        return False
    if args.subject:
        subjects = e.get("subjects")
        if not isinstance(subjects, list) or not any(args.subject in str(s) for s in subjects):
            return False
    ts = str(e.get("ts", ""))
    if args.since and ts < args.since:
        return False
    if args.until and ts >= args.until:
        return False
    return True


def _show(args) -> int:
    ctx = AccessContext.from_env()
    log = AuditLog(_log_path(args))
    if ctx.role != "auditor":
        log.append(user=ctx.user, role=ctx.role, action="audit.show.denied", office=",".join(ctx.offices))
        print(f"receptor audit show: role {ctx.role} may not read the audit log (role auditor may)", file=sys.stderr)
        return 2
    report = log.verify()
    if not report.ok:
        print(f"receptor audit show: warning: {report}", file=sys.stderr)
    shown = 0
    for e in log.entries():
        if not _matches(e, args):
            continue
        shown += 1
        if args.json:
            print(json.dumps(e, ensure_ascii=False, separators=(",", ":")))
        else:
            subjects = e["subjects"] if isinstance(e["subjects"], int) else len(e["subjects"])
            what = e.get("table") or e.get("item") or ""
            print(f"{e['seq']:>6} {e['ts']} {e['user']}({e['role']}) {e['action']} {what} "
                  f"office={e['office'] or '-'} rows={e['rows']} subjects={subjects}")
    log.append(user=ctx.user, role=ctx.role, action="audit.show", rows=shown,
               filter={k: v for k, v in vars(args).items()
                       if k in ("user", "role", "action", "office", "subject", "since", "until") and v})
    return 0


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _verify(args) if args.command == "verify" else _show(args)
    except (OSError, ValueError, PermissionError) as exc:
        print(f"receptor audit: {exc}", file=sys.stderr)
        return 2
