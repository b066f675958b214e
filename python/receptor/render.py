"""One receipt as a person reads it: laid out like the paper レセプト, as HTML.

A caseworker who has to act on a finding wants to see the receipt itself:
who, which insurance and 公費, which diseases, what was done on which days and
what it cost, and on the payer side what the review changed. The result file
says where each receipt came from (``receipts.source_file``/``source_line``);
the view reads that file again with the reader and lays out that receipt.

It shows the receipt as filed (name, birth date, 受給者番号), so it is for
office staff of the receipt's office only: the receipt is looked up in the
receipts table as the access context sees it, and the read is written to the
audit log (``render_receipt``). Analysts are refused (see ``render_receipt``).
"""

from __future__ import annotations

import datetime as _dt
import html
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ._masters import default_masters_dir, load_masters
from .access import AccessContext
from .receipts import ReceiptFile, read_receipts
from .results import Results, open_results

__all__ = ["ReceiptView", "render_receipt"]

# 診療識別 of 医科 and DPC (レセ電 記録条件仕様, 別表).
_MEDICAL_SHIKIBETSU = {
    11: "初診", 12: "再診", 13: "医学管理", 14: "在宅", 21: "投薬（内服）", 22: "投薬（屯服）", 23: "投薬（外用）",
    24: "投薬（調剤）", 25: "投薬（処方）", 26: "投薬（麻毒）", 27: "投薬（調基）", 31: "注射（皮下筋肉内）",
    32: "注射（静脈内）", 33: "注射（その他）", 40: "処置", 50: "手術", 54: "麻酔", 60: "検査・病理", 70: "画像診断",
    80: "その他", 90: "入院基本料", 92: "特定入院料・その他", 97: "食事・生活療養", 99: "全体に係る",
}
# Only the 歯科 codes shared with 医科; others are shown by number rather than guessed.
_DENTAL_SHIKIBETSU = {11: "初診", 12: "再診", 13: "医学管理", 14: "在宅", 80: "その他"}
# 調剤: the 剤型 of each 処方.
_PHARMACY_FORM = {1: "内服", 2: "内滴", 3: "屯服", 4: "注射", 5: "外用", 6: "浸煎", 7: "湯", 9: "材料"}
_SEX = {1: "男", 2: "女"}
_OUTCOME = {1: "継続", 2: "治ゆ", 3: "死亡", 4: "中止"}
_ERAS = ((_dt.date(2019, 5, 1), "令和", 2018), (_dt.date(1989, 1, 8), "平成", 1988), (_dt.date(1926, 12, 25), "昭和", 1925),
         (_dt.date(1912, 7, 30), "大正", 1911), (_dt.date(1868, 1, 1), "明治", 1867))

_CSS = """
.receptor-receipt { font-family: "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", "Meiryo", sans-serif;
  font-size: 13px; color: #000; background: #fff; max-width: 60em; border: 2px solid #333; padding: .8em; }
.receptor-receipt h1 { font-size: 1.3em; margin: 0 0 .4em 0; display: flex; justify-content: space-between; }
.receptor-receipt h2 { font-size: 1.05em; margin: .8em 0 .2em 0; border-bottom: 1px solid #333; }
.receptor-receipt table { border-collapse: collapse; width: 100%; margin: .2em 0; }
.receptor-receipt th, .receptor-receipt td { border: 1px solid #999; padding: 2px 5px; text-align: left;
  vertical-align: top; }
.receptor-receipt th { background: #eee; font-weight: normal; white-space: nowrap; }
.receptor-receipt td.num, .receptor-receipt th.num { text-align: right; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
.receptor-receipt tr.group td { background: #f6f6f6; font-weight: bold; }
.receptor-receipt tr.comment td { color: #444; font-style: italic; }
.receptor-receipt .changed { background: #fff3cd; }
.receptor-receipt .removed { text-decoration: line-through; color: #a00; }
.receptor-receipt .finding-3 { border-left: 4px solid #b00; }
.receptor-receipt .finding-2 { border-left: 4px solid #d80; }
.receptor-receipt .finding-1 { border-left: 4px solid #888; }
.receptor-receipt .muted { color: #666; }
@media print {
  .receptor-receipt { border: none; max-width: none; padding: 0; font-size: 10.5pt; }
  .receptor-receipt th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .receptor-receipt tr, .receptor-receipt h2 { page-break-inside: avoid; break-inside: avoid; }
  .receptor-receipt h2 { page-break-after: avoid; break-after: avoid; }
  @page { size: A4; margin: 12mm; }
}
"""


def _e(value) -> str:
    """Escaped text of a value; empty for missing values."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)


def _date(value) -> str:
    """YYYYMMDD as 令和6年6月24日 (2024-06-24); empty when missing."""
    try:
        v = int(value)
    except (TypeError, ValueError):
        return ""
    if v <= 0:
        return ""
    try:
        d = _dt.date(v // 10000, v // 100 % 100, v % 100)
    except ValueError:
        return str(v)
    for start, era, offset in _ERAS:
        if d >= start:
            return f"{era}{d.year - offset}年{d.month}月{d.day}日 ({d.isoformat()})"
    return d.isoformat()


def _month(value) -> str:
    """YYYYMM or YYYY-MM as 令和6年6月 (2024-06)."""
    text = str(value).replace("-", "")
    if len(text) != 6 or not text.isdigit():
        return _e(value)
    year, month = int(text[:4]), int(text[4:])
    for start, era, offset in _ERAS:
        if _dt.date(year, month, 1) >= start.replace(day=1):
            return f"{era}{year - offset}年{month}月 ({year:04d}-{month:02d})"
    return f"{year:04d}-{month:02d}"


def _days(mask) -> str:
    """Day-column mask (bit d-1 = day d) as '3, 10, 24日'."""
    try:
        m = int(mask)
    except (TypeError, ValueError):
        return ""
    days = [str(d + 1) for d in range(31) if m >> d & 1]
    return ", ".join(days) + "日" if days else ""


def _num(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)):
        return f"{value:,.5f}".rstrip("0").rstrip(".")
    return f"{int(value):,}"


def _group_label(kind: str, code: int) -> str:
    table = {"歯科": _DENTAL_SHIKIBETSU, "調剤": _PHARMACY_FORM}.get(kind, _MEDICAL_SHIKIBETSU)
    name = table.get(int(code))
    prefix = "剤型" if kind == "調剤" else "診療識別"
    return f"{prefix} {int(code):02d} {name}" if name else f"{prefix} {int(code):02d}"


@lru_cache(maxsize=8)
def _read(path: str, mtime_ns: int, apply_corrections: bool, masters_dir: str | None) -> ReceiptFile:
    masters = load_masters(masters_dir) if masters_dir else None
    return read_receipts(path, masters, apply_corrections=apply_corrections)


def _read_file(path: Path, apply_corrections: bool, masters) -> ReceiptFile:
    if masters is None or isinstance(masters, (str, os.PathLike)):  # cached: a notebook shows many receipts
        directory = masters if masters is not None else default_masters_dir()
        return _read(str(path), path.stat().st_mtime_ns, apply_corrections,
                     None if directory is None else str(directory))
    return read_receipts(path, masters, apply_corrections=apply_corrections)  # a loaded Masters


def _locate(source_file: str, results: Results) -> Path:
    """The receipt file as the result file names it: as given, else beside the results."""
    given = Path(source_file)
    candidates = [given] if given.is_absolute() else [given, Path(results.path).parent / given,
                                                      Path(results.path).parent / given.name]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{results.path}: receipt file {source_file} is gone (looked in "
                            + ", ".join(str(c) for c in candidates) + ")")


class ReceiptView:
    """One receipt laid out like the paper レセプト.

    Shows inline in a notebook (``_repr_html_``); :attr:`html` is a complete
    HTML document and :meth:`save` writes it, ready to print (A4, print CSS).
    The data behind it stay available: :attr:`receipt` (a Series),
    :attr:`coverages`, :attr:`diseases`, :attr:`lines`, :attr:`findings` and,
    for payer-side receipts, :attr:`changes` (claimed vs decided lines).
    """

    def __init__(self, receipt_key: str, kind: str, payer_side: bool, receipt: pd.Series, result_row: pd.Series,
                 coverages: pd.DataFrame, diseases: pd.DataFrame, lines: pd.DataFrame, changes: pd.DataFrame,
                 findings: pd.DataFrame):
        self.receipt_key: str = receipt_key
        self.kind: str = kind
        self.payer_side: bool = payer_side
        self.receipt: pd.Series = receipt
        self.result_row: pd.Series = result_row
        self.coverages: pd.DataFrame = coverages
        self.diseases: pd.DataFrame = diseases
        self.lines: pd.DataFrame = lines
        self.changes: pd.DataFrame = changes
        self.findings: pd.DataFrame = findings

    # -- output ----------------------------------------------------------

    def _repr_html_(self) -> str:
        """The view as a notebook shows it inline (a fragment with its own style)."""
        return f"<style>{_CSS}</style>{self._body()}"

    @property
    def html(self) -> str:
        """A complete HTML document (UTF-8), for a browser or a printer."""
        return ("<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
                f"<title>レセプト {_e(self.receipt_key)}</title><style>{_CSS}</style></head>"
                f"<body>{self._body()}</body></html>\n")

    def save(self, path: str | os.PathLike) -> Path:
        """Write :attr:`html` to ``path`` (mode 600: it names the patient); returns the path."""
        path = Path(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # also when the file was there before
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(self.html)
        return path

    @property
    def group_points(self) -> pd.DataFrame:
        """Points per 診療識別: ``group``, ``label``, ``points`` (Σ 点数 × 回数 of its units).

        For 調剤 receipts the groups are the 処方 and ``points`` is missing:
        their 薬剤料 and 調剤料 are charged per 調剤数量, and only the
        receipt total is authoritative there.
        """
        lines = self.lines
        if self.kind == "調剤":
            groups = lines.drop_duplicates("group")
            return pd.DataFrame({"group": groups["group"].astype(int).to_numpy(),
                                 "label": [self._label(g, f) for g, f in zip(groups["group"], groups["shikibetsu"])],
                                 "points": pd.array([pd.NA] * len(groups), dtype="Int64")})
        pts = (lines["points"].astype("Float64") * lines["count"].astype("Float64")).fillna(0)
        frame = pd.DataFrame({"group": lines["shikibetsu"].astype(int), "points": pts.astype("int64")})
        out = frame.groupby("group", sort=False)["points"].sum().reset_index()
        out.insert(1, "label", [self._label(g, g) for g in out["group"]])
        return out

    def _label(self, group, shikibetsu) -> str:
        if self.kind == "調剤":
            form = _PHARMACY_FORM.get(int(shikibetsu))
            return f"処方 {int(group)}（剤型 {int(shikibetsu)}{' ' + form if form else ''}）"
        return _group_label(self.kind, group)

    def __repr__(self) -> str:
        r = self.receipt
        return (f"ReceiptView({self.receipt_key!r}, {self.kind}, {r['month']}, points={_num(r['points'])}, "
                f"lines={len(self.lines)})")

    # -- layout ----------------------------------------------------------

    def _body(self) -> str:
        parts = [f'<div class="receptor-receipt">', self._header(), self._patient(), self._insurance(),
                 self._findings(), self._diseases(), self._lines(), self._totals()]
        if self.payer_side:
            parts.append(self._review())
        parts.append("</div>")
        return "\n".join(parts)

    def _header(self) -> str:
        r, res = self.receipt, self.result_row
        care = "入院" if bool(res.get("inpatient", False)) else "入院外"
        side = "支払側（審査後）" if self.payer_side else "医療機関側"
        rows = [("診療年月", _month(r["month"])), ("種別", f"{_e(self.kind)}・{care}（レセプト種別 {_e(r['receipt_type'])}）"),
                ("医療機関", _e(r["institution"])), ("レセプト番号", _e(r["receipt_no"])),
                ("レセプトキー", _e(self.receipt_key)), ("ファイル", f"{_e(r['source_file'])} 行 {_e(r['source_line'])}")]
        if str(r.get("prescriber", "")):
            rows.insert(3, ("処方医療機関", _e(r["prescriber"])))
        if int(r.get("admission_date", 0) or 0) > 0:
            rows.insert(3, ("入院年月日", _date(r["admission_date"])))
        return (f"<h1><span>診療報酬明細書</span><span class=\"muted\">{side}</span></h1>"
                + _kv_table(rows))

    def _patient(self) -> str:
        r, res = self.receipt, self.result_row
        rows = [("氏名", f"{_e(r['name'])} <span class=\"muted\">{_e(r['kana'])}</span>"),
                ("性別", _e(_SEX.get(int(r["sex"]), r["sex"]))), ("生年月日", _date(r["birth_date"])),
                ("カルテ番号", _e(r.get("chart_no", ""))),
                ("福祉事務所・ケース", f"{_e(res.get('office_no', ''))} / {_e(res.get('person_id', '')) or '（未特定）'}"),
                ("資格点検", f"{_e(res.get('match_status', ''))} {_e(res.get('ticket_id', ''))}")]
        if str(r.get("special_notes", "")).strip():
            rows.append(("特記事項", _e(r["special_notes"])))
        return "<h2>患者</h2>" + _kv_table(rows)

    def _insurance(self) -> str:
        if self.coverages.empty:
            return "<h2>保険・公費</h2><p class=\"muted\">HO/KO の記録なし</p>"
        head = ["", "法別", "保険者番号・公費負担者番号", "記号", "番号・受給者番号", "実日数", "合計点数", "負担金額"]
        body = []
        for c in self.coverages.itertuples(index=False):
            label = "医療保険" if c.record == "HO" else f"第{int(c.position)}公費"
            law = f"{int(c.law_no):02d}" if int(c.law_no) > 0 else ""
            welfare = {12: "生活保護", 25: "中国残留邦人等"}.get(int(c.law_no), "")
            body.append([_e(label), f"{law} {welfare}".strip(), _e(c.payer_no), _e(c.member_symbol),
                         _e(c.member_no), _num(c.days), _num(c.points), _num(c.copay)])
        return "<h2>保険・公費</h2>" + _table(head, body, numeric={5, 6, 7})

    def _findings(self) -> str:
        if self.findings.empty:
            return ""
        rows = []
        for f in self.findings.itertuples(index=False):
            rows.append(f'<tr class="finding-{int(f.severity)}"><td>{_e(f.code)}</td>'
                        f'<td class="num">{int(f.severity)}</td><td>{_e(f.detail)}</td>'
                        f'<td class="muted">{_e(f.finding_id)}</td></tr>')
        return ("<h2>所見</h2><table><tr><th>コード</th><th class=\"num\">重要度</th><th>内容</th><th>finding_id</th>"
                "</tr>" + "".join(rows) + "</table>")

    def _diseases(self) -> str:
        if self.diseases.empty:
            return "<h2>傷病名</h2><p class=\"muted\">傷病名の記録なし</p>"
        head = ["", "傷病名", "ICD-10", "診療開始日", "転帰"]
        body = []
        for i, d in enumerate(self.diseases.to_dict("records"), start=1):
            name = d.get("disease_name") or d.get("name") or str(d["code"])
            main = "（主）" if int(d.get("main", 0) or 0) else ""
            body.append([f"({i})", f"{_e(name)}{main}", _e(d.get("icd10", "")), _date(d["start_date"]),
                         _e(_OUTCOME.get(int(d["outcome"]), d["outcome"]))])
        return "<h2>傷病名</h2>" + _table(head, body)

    def _lines(self) -> str:
        if self.lines.empty:
            return "<h2>摘要</h2><p class=\"muted\">摘要の記録なし</p>"
        points = self.group_points.set_index("group")["points"]
        rows = []
        last_group = None
        pharmacy = self.kind == "調剤"
        for ln in self.lines.to_dict("records"):
            group = int(ln["group"] if pharmacy else ln["shikibetsu"])
            if group != last_group:
                total = points.get(group, pd.NA)
                total = "" if total is pd.NA else f"{_num(total)} 点"
                rows.append(f'<tr class="group"><td colspan="4">{_e(self._label(group, ln["shikibetsu"]))}</td>'
                            f'<td class="num">{total}</td></tr>')
                last_group = group
            name = ln.get("item_name") or ""
            if ln["record"] == "CO" or (not name and ln.get("text")):
                rows.append(f'<tr class="comment"><td>{_e(ln["record"])}</td><td colspan="4">'
                            f'{_e(name)} {_e(ln.get("text", ""))}</td></tr>')
                continue
            if not name:
                name = {"SH": "処方", "CZ": "調剤"}.get(ln["record"]) or (
                    f"コード {ln['code']}" if int(ln["code"]) else "")
            qty = _num(ln["quantity"])
            pts = ln["points"]
            has_points = pts is not None and pts is not pd.NA
            amount = f"{_num(pts)} × {_num(ln['count'])}" if has_points else ""
            rows.append(f'<tr><td>{_e(ln["record"])}</td><td>{_e(name)}'
                        f'{" " + _e(ln.get("text")) if ln.get("text") else ""}</td>'
                        f'<td class="num">{qty}</td><td class="muted">{_e(_days(ln["day_mask"]))}</td>'
                        f'<td class="num">{amount}</td></tr>')
        return ("<h2>摘要</h2><table><tr><th>記録</th><th>名称</th><th class=\"num\">数量</th><th>算定日</th>"
                "<th class=\"num\">点数 × 回数</th></tr>" + "".join(rows) + "</table>")

    def _totals(self) -> str:
        r = self.receipt
        total = "決定点数（合計）" if self.payer_side else "請求点数（合計）"
        rows = [(total, f"{_num(r['points'])} 点"),
                ("実日数", f"{_num(self.result_row.get('days', ''))} 日（{_e(_days(r['care_days']))}）")]
        if self.kind != "調剤":
            rows.insert(1, ("摘要の合計（食事を除く）", f"{_num(r['line_points'])} 点"))
        if self.payer_side:
            rows.insert(1, ("請求時の点数", f"{_num(r['claimed_points'])} 点"))
        groups = self.group_points
        if self.kind == "調剤":
            return "<h2>点数</h2>" + _kv_table(rows)
        body = [[_e(g.label), f"{_num(g.points)}"] for g in groups.itertuples(index=False)]
        return "<h2>点数</h2>" + _kv_table(rows) + _table(["区分", "点数"], body, numeric={1})

    def _review(self) -> str:
        r = self.receipt
        claimed, decided = r["claimed_points"], r["points"]
        title = "<h2>審査による変更（請求 → 決定）</h2>"
        if self.changes.empty and claimed == decided:
            return title + "<p class=\"muted\">審査による変更なし</p>"
        head = ["", "名称", "請求 点数 × 回数", "決定 点数 × 回数"]
        body = []
        for c in self.changes.to_dict("records"):
            cls = "removed" if c["change"] == "removed" else "changed"
            body.append((cls, [_e({"removed": "削除", "added": "追加", "changed": "変更"}[c["change"]]),
                               _e(c["item_name"] or c["code"]), _e(c["claimed"]), _e(c["decided"])]))
        rows = "".join(f'<tr class="{cls}">' + "".join(f"<td>{v}</td>" for v in cells) + "</tr>"
                       for cls, cells in body)
        summary = f"<p>請求 {_num(claimed)} 点 → 決定 {_num(decided)} 点（差 {_num(decided - claimed)} 点）</p>"
        return title + summary + ("<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>" + rows
                                  + "</table>" if body else "")


def _kv_table(rows) -> str:
    return "<table>" + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows) + "</table>"


def _table(head, body, numeric=frozenset()) -> str:
    def cell(tag, i, v):
        return f'<{tag} class="num">{v}</{tag}>' if i in numeric else f"<{tag}>{v}</{tag}>"

    return ("<table><tr>" + "".join(cell("th", i, _e(h)) for i, h in enumerate(head)) + "</tr>"
            + "".join("<tr>" + "".join(cell("td", i, v) for i, v in enumerate(row)) + "</tr>" for row in body)
            + "</table>")


def _slice(frame: pd.DataFrame, begin: int, end: int) -> pd.DataFrame:
    return frame.iloc[int(begin):int(end)].reset_index(drop=True)


def _amount(points, count) -> str:
    if points is None or points is pd.NA:
        return ""
    return f"{_num(points)} × {_num(count)}"


def _line_changes(claimed: pd.DataFrame, decided: pd.DataFrame) -> pd.DataFrame:
    """Lines the review removed, added or changed, matched by their line in the file."""
    keys = ["line", "code", "points", "count", "item_name"]
    c = claimed.reindex(columns=keys)
    d = decided.reindex(columns=keys)
    both = c.merge(d, on="line", how="outer", suffixes=("_c", "_d"), indicator=True).sort_values("line")
    rows = []
    for m in both.to_dict("records"):
        if m["_merge"] == "left_only":
            change = "removed"
        elif m["_merge"] == "right_only":
            change = "added"
        elif (str(m["points_c"]) != str(m["points_d"]) or str(m["count_c"]) != str(m["count_d"])
              or m["code_c"] != m["code_d"]):
            change = "changed"
        else:
            continue
        code = m["code_c"] if m["_merge"] != "right_only" else m["code_d"]
        name = m["item_name_c"] if m["_merge"] != "right_only" else m["item_name_d"]
        rows.append({"line": int(m["line"]), "change": change, "code": int(code),
                     "item_name": "" if name is None or name is pd.NA or (isinstance(name, float)) else name,
                     "claimed": "" if change == "added" else _amount(m["points_c"], m["count_c"]),
                     "decided": "" if change == "removed" else _amount(m["points_d"], m["count_d"])})
    return pd.DataFrame(rows, columns=["line", "change", "code", "item_name", "claimed", "decided"])


def render_receipt(results: Results | str | os.PathLike, receipt_key: str, masters=None, *,
                   access: AccessContext | None = None) -> ReceiptView:
    """Lay out one receipt of a result file like the paper レセプト.

    Parameters
    ----------
    results
        A :class:`~receptor.Results` or the path of a result file.
    receipt_key
        ``receipts.receipt_key`` of the receipt (as in ``findings.receipt_key``).
    masters
        A loaded :class:`receptor._core.Masters`, a master folder, or None for
        the default masters: names of diseases and 摘要 items.
    access
        Who reads, when ``results`` is a path (default
        :meth:`AccessContext.from_env`); a :class:`~receptor.Results` brings
        its own.

    Only role ``office_staff`` may render, and only receipts of its offices:
    the view is the receipt as filed, with name, カナ, birth date, 受給者番号,
    カルテ番号 and free-text comments. Other roles get ``PermissionError``
    (logged as ``render_receipt.denied``): an analyst's ``receipt_key`` is a
    pseudonym, and a receipt stripped of every identifying field and comment
    would not show what a caseworker needs it for. A receipt of another
    office is ``KeyError`` like an unknown key. Each view is logged
    (``render_receipt``, the person as subject).

    The receipt file is found through ``receipts.source_file`` (as given to
    the run, else beside the result file) and read again; ``KeyError`` if the
    key is not in the results, ``FileNotFoundError`` if the file is gone.
    """
    if not isinstance(results, Results):
        results = open_results(results, access)
    elif access is not None and access != results.access:
        raise ValueError("access: the Results were opened with another access context")
    ctx = results.access
    common = {"user": ctx.user, "role": ctx.role, "item": receipt_key, "file": os.path.abspath(results.path)}
    if ctx.role != "office_staff":
        results.audit_log.append(action="render_receipt.denied", office=",".join(ctx.offices), **common)
        raise PermissionError(f"role {ctx.role} may not view receipts as filed (name, birth date, 受給者番号): "
                              "render_receipt is for office staff of the receipt's office")
    table = results.receipts  # the office's receipts only
    hit = table[table["receipt_key"] == receipt_key]
    if hit.empty:
        raise KeyError(f"{results.path}: no receipt {receipt_key!r}")
    row = hit.iloc[0]
    path = _locate(str(row["source_file"]), results)
    decided = _read_file(path, True, masters)
    index = np.flatnonzero(decided.receipts["source_line"].to_numpy() == int(row["source_line"]))
    if len(index) == 0:
        raise ValueError(f"{path}: no receipt starts on line {int(row['source_line'])} (the file changed since "
                         f"{results.path} was written?)")
    i = int(index[0])
    rec = decided.receipts.iloc[i].copy()
    rec["source_file"] = str(path)
    lines = _slice(decided.lines, rec["item_begin"], rec["item_end"])
    changes = pd.DataFrame(columns=["line", "change", "code", "item_name", "claimed", "decided"])
    if decided.payer_side:
        claimed = _read_file(path, False, masters)
        j = np.flatnonzero(claimed.receipts["source_line"].to_numpy() == int(row["source_line"]))
        if len(j):
            c = claimed.receipts.iloc[int(j[0])]
            changes = _line_changes(_slice(claimed.lines, c["item_begin"], c["item_end"]), lines)
    findings = results.findings
    findings = findings[findings["receipt_key"] == receipt_key].reset_index(drop=True)
    person = str(row.get("person_id", "") or "")
    results.audit_log.append(action="render_receipt", office=str(row["office_no"]),
                             subjects=[f"{row['office_no']}|{person}"] if person else [], rows=1, **common)
    return ReceiptView(
        receipt_key=receipt_key,
        kind=str(rec["kind"]),
        payer_side=bool(decided.payer_side),
        receipt=rec,
        result_row=row,
        coverages=_slice(decided.coverages, rec["coverage_begin"], rec["coverage_end"]),
        diseases=_slice(decided.diseases, rec["disease_begin"], rec["disease_end"]),
        lines=lines,
        changes=changes,
        findings=findings,
    )
