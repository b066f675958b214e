"""What both peers share: the status list, the receipt files of a run, decoding, names, numbers.

Everything here restates a rule of the engine in plain Python, with the engine file it
follows named, so that a peer disagreeing with the engine points at one rule.
"""

from __future__ import annotations

import calendar
import os
import unicodedata
from pathlib import Path

# spec/results.md, in order of precedence (runtime/src/match/person_book.cpp `status`).
STATUS_ORDER: tuple[str, ...] = (
    "MATCHED",
    "NO_TICKET",
    "INSTITUTION_MISMATCH",
    "CARE_TYPE_MISMATCH",
    "OUTSIDE_VALIDITY",
    "NOT_PROTECTED",
    "PERSON_MISMATCH",
    "COPAY_MISMATCH",
    "UNKNOWN_RECIPIENT",
    "INVALID_NUMBER",
    "DUPLICATE_CLAIM",
    "INSURANCE_INCONSISTENT",
    "NO_TICKET_FEED",
)

# Receipts billing neither 法別 12 nor 25 are not matched: the engine leaves their status empty.
NOT_WELFARE = ""

# First letter of the receipt key per kind (runtime/src/match/claim.cpp make_receipt_key).
KIND_LETTER = {"medical": "M", "dpc": "D", "dental": "S", "pharmacy": "Y"}

# Variant kanji → standard form (runtime/src/feed/normalize.cpp variant_kanji). The CJK
# compatibility ideographs of that table are folded by NFKC already; they stay listed so the
# table reads like the engine's.
VARIANT_KANJI = str.maketrans({
    "冨": "富", "國": "国", "實": "実", "嵜": "崎", "嶋": "島", "廣": "広", "德": "徳", "惠": "恵",
    "會": "会", "櫻": "桜", "澤": "沢", "濱": "浜", "濵": "浜", "瀨": "瀬", "眞": "真", "邉": "辺",
    "邊": "辺", "關": "関", "髙": "高", "齊": "斉", "齋": "斎", "\U00020BB7": "吉",
    "\uF929": "朗", "\uF9DC": "隆", "\uFA10": "塚", "\uFA11": "崎", "\uFA12": "晴", "\uFA15": "凞",
    "\uFA16": "猪", "\uFA17": "益", "\uFA18": "礼", "\uFA19": "神", "\uFA1A": "祥", "\uFA1B": "福",
    "\uFA1C": "靖", "\uFA1D": "精", "\uFA1E": "羽", "\uFA20": "蘒", "\uFA22": "諸", "\uFA25": "逸",
    "\uFA26": "都", "\uFA2A": "飯", "\uFA2B": "飼", "\uFA2C": "館", "\uFA2D": "鶴",
})

RECEIPT_EXTENSIONS = (".UKE", ".CYO", ".HEN")

# Era digit → first year (runtime/src/dates.cpp era_base): 明治 大正 昭和 平成 令和.
ERA_BASE = {1: 1868, 2: 1912, 3: 1926, 4: 1989, 5: 2019}


def receipt_files(paths: list[str]) -> list[str]:
    """The receipt files of a run in the engine's order (actors/src/engine.cpp receipt_files).

    A folder is searched recursively for ``*.UKE``, ``*.CYO``, ``*.HEN`` and
    ``*RECODEINFO*.CSV``, sorted by path; a file is taken as given. The position in this list
    decides which of two duplicate claims is "first".
    """
    out: list[str] = []
    for given in paths:
        if not os.path.isdir(given):
            out.append(given)
            continue
        found = []
        for folder, _, names in os.walk(given):
            for name in names:
                upper = name.upper()
                if upper.endswith(RECEIPT_EXTENSIONS) or (upper.endswith(".CSV") and "RECODEINFO" in upper):
                    found.append(os.path.join(folder, name))
        out.extend(sorted(found, key=lambda p: Path(p).parts))
    return out


def decode(raw: bytes) -> str:
    """A receipt file's text: UTF-8 when it is valid UTF-8 (BOM dropped), else CP932."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp932", errors="replace")


def is_payer_side(text: str) -> bool:
    """True for a payer-side レセ電コード情報ファイル: three numbers lead its first line (§8.2)."""
    first = text.split("\n", 1)[0].split(",", 3)
    return len(first) == 4 and all(part.isascii() and part.isdigit() for part in first[:3])


def is_dpc(raw: bytes) -> bool:
    """A 医科 file is DPC when a BU record appears in its first 4 MiB (reader.cpp probe)."""
    head = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    head = head[: 4 << 20]
    return b"\nBU," in head or b",BU," in head or head.startswith(b"BU,")


def normalize_name(name: str) -> str:
    """The key two spellings of a name share: NFKC, no spaces, ASCII upper case, standard kanji.

    NFKC folds width (ＡＢ → AB, ｶﾞ → ガ, U+3000 → space) and the compatibility ideographs; the
    variant table folds 髙 → 高 and the other variants NFKC keeps apart.
    """
    folded = unicodedata.normalize("NFKC", name)
    folded = "".join(folded.split()).upper()
    return folded.translate(VARIANT_KANJI)


def check_digit_ok(number: str) -> bool:
    """Luhn, weights 2-1 from the right of the body (runtime/src/check_digit.cpp).

    Leading spaces are ignored (a 6-digit 国保 number is padded with them); fewer than two
    digits, or anything but digits, fails.
    """
    digits = number.lstrip(" ")
    if len(digits) < 2 or not (digits.isascii() and digits.isdigit()):
        return False
    total = 0
    for position, char in enumerate(reversed(digits[:-1])):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10 == int(digits[-1])


def parse_month(text: str) -> int:
    """YYYYMM or 和暦 GYYMM → YYYYMM; 0 if it is not a month (runtime/src/dates.cpp)."""
    if not (text.isascii() and text.isdigit()):
        return 0
    value = int(text)
    if len(text) == 6:
        year, month = divmod(value, 100)
    elif len(text) == 5:
        era, yy, month = value // 10000, value // 100 % 100, value % 100
        year = ERA_BASE[era] + yy - 1 if era in ERA_BASE and yy >= 1 else 0
    else:
        return 0
    return year * 100 + month if year >= 1868 and 1 <= month <= 12 else 0


def parse_date(text: str) -> int:
    """YYYYMMDD or 和暦 GYYMMDD → YYYYMMDD; 0 if it is not a date (runtime/src/dates.cpp)."""
    if not (text.isascii() and text.isdigit()):
        return 0
    value = int(text)
    if len(text) == 8:
        year, month, day = value // 10000, value // 100 % 100, value % 100
    elif len(text) == 7:
        era, yy = value // 1000000, value // 10000 % 100
        year = ERA_BASE[era] + yy - 1 if era in ERA_BASE and yy >= 1 else 0
        month, day = value // 100 % 100, value % 100
    else:
        return 0
    if year < 1868 or not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        return 0
    return year * 10000 + month * 100 + day


def run_cli(match, doc: str) -> None:
    """A peer on the command line: prints the statuses' counts, or writes them with --out."""
    import argparse
    import sys
    import time

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--receipts", nargs="+", required=True)
    parser.add_argument("--recipients", required=True)
    parser.add_argument("--tickets", action="append", required=True)
    parser.add_argument("--out", help="CSV to write (file,line,match_status)")
    args = parser.parse_args()
    started = time.perf_counter()
    result = match(args.receipts, args.recipients, args.tickets)
    print(f"{len(result)} receipts in {time.perf_counter() - started:.2f} s", file=sys.stderr)
    if args.out:
        result.to_csv(args.out, index=False)
    else:
        print(result["match_status"].value_counts().to_string())
