"""The engine's matching (資格点検) as an analyst writes it in DuckDB SQL.

Python only lists the files and decodes them (CP932 is no encoding DuckDB reads without an
extension download); everything else is SQL: the files are cut into lines and fields with
``string_split``, receipts are found with a window over line numbers, day columns become bit
masks with list lambdas, and the rules of runtime/src/match/person_book.cpp are joins and
CASE expressions. Names are keyed by the Python ``normalize_name`` registered as a UDF (NFKC
has no SQL form). The feed is read with ``read_csv``.

    python3 bench/peers/duckdb_match.py --receipts DIR --recipients F --tickets F [--tickets F] [--out CSV]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import duckdb
import pandas as pd

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from peers.common import (  # noqa: E402  (the path above makes `peers` importable as a script)
    NOT_WELFARE,
    decode,
    is_dpc,
    is_payer_side,
    normalize_name,
    receipt_files,
    run_cli,
)

FULL_WIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
HALF_WIDTH = "".join(chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)) + " "
HALF_WIDTH_SQL = HALF_WIDTH.replace("'", "''")

# Field positions are the spec's (0 = record id); fld() turns them into DuckDB's 1-based lists.
MACROS = f"""
CREATE MACRO fld(f, i) AS coalesce(f[i + 1], '');
CREATE MACRO num(s) AS CASE WHEN s = '' THEN NULL WHEN regexp_full_match(s, '[0-9]{{1,9}}') THEN s::BIGINT ELSE -1 END;
CREATE MACRO is_bad(s) AS coalesce(num(s) = -1, false);
CREATE MACRO era_year(era, yy) AS [1868, 1912, 1926, 1989, 2019][era] + yy - 1;
CREATE MACRO parse_month(s) AS CASE
    WHEN regexp_full_match(s, '[0-9]{{6}}') AND s[1:4]::INT >= 1868 AND s[5:6]::INT BETWEEN 1 AND 12 THEN s::INT
    WHEN regexp_full_match(s, '[1-5][0-9]{{4}}') AND s[2:3]::INT >= 1 AND s[4:5]::INT BETWEEN 1 AND 12
        THEN era_year(s[1]::INT, s[2:3]::INT) * 100 + s[4:5]::INT
    ELSE 0 END;
CREATE MACRO ymd(y, m, d) AS CASE
    WHEN y >= 1868 AND try_strptime(printf('%04d-%02d-%02d', y, m, d), '%Y-%m-%d') IS NOT NULL
    THEN y * 10000 + m * 100 + d ELSE 0 END;
CREATE MACRO parse_date(s) AS CASE
    WHEN regexp_full_match(s, '[0-9]{{8}}') THEN ymd(s[1:4]::INT, s[5:6]::INT, s[7:8]::INT)
    WHEN regexp_full_match(s, '[1-5][0-9]{{6}}') AND s[2:3]::INT >= 1
        THEN ymd(era_year(s[1]::INT, s[2:3]::INT), s[4:5]::INT, s[6:7]::INT)
    ELSE 0 END;
CREATE MACRO iso_date(s) AS CASE WHEN regexp_full_match(s, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}')
    THEN ymd(s[1:4]::INT, s[6:7]::INT, s[9:10]::INT) ELSE 0 END;
-- Luhn, weights 2-1 from the right of the body, leading spaces ignored (check_digit.cpp).
CREATE MACRO luhn_product(t, k) AS t[length(t) - k]::INT * CASE WHEN k % 2 = 1 THEN 2 ELSE 1 END;
CREATE MACRO luhn_sum(t) AS list_sum(list_transform(range(1, length(t)), lambda k:
    luhn_product(t, k) // 10 + luhn_product(t, k) % 10));
CREATE MACRO luhn_ok(s) AS CASE WHEN regexp_full_match(ltrim(s, ' '), '[0-9]{{2,}}')
    THEN (10 - luhn_sum(ltrim(s, ' ')) % 10) % 10 = right(s, 1)::INT ELSE false END;
CREATE MACRO office_ok(s) AS regexp_full_match(s, '(12|25)(0[1-9]|[1-3][0-9]|4[0-7])[0-9]{{4}}') AND luhn_ok(s);
-- Feed values: full-width ASCII folded, trimmed (normalize.cpp normalize_value).
CREATE MACRO fold(s) AS trim(CASE WHEN regexp_matches(coalesce(s, ''), '[\uFF01-\uFF5E\u3000]')
    THEN translate(s, '{FULL_WIDTH}', '{HALF_WIDTH_SQL}') ELSE coalesce(s, '') END, ' ' || chr(9) || chr(13) || chr(10));
-- Bits of days a..b (1-based, inclusive); 0 if a > b.
CREATE MACRO day_range(a, b) AS CASE WHEN least(a, 32) <= least(b, 31) AND least(b, 31) >= 1
    THEN ((1::BIGINT << least(b, 31)::INT) - 1) & ~((1::BIGINT << (greatest(a, 1) - 1)::INT) - 1) ELSE 0 END;
"""

RECEIPTS_SQL = """
-- Lines of every file, 1-based as the engine counts them (CR and the 0x1A end marker dropped).
CREATE TEMP TABLE recs AS
SELECT file_idx, line_no, text, split_part(text, ',', 1) AS rec
FROM (SELECT file_idx, unnest(range(1, len(l) + 1)) AS line_no, rtrim(rtrim(unnest(l), chr(13)), chr(26)) AS text
      FROM (SELECT file_idx, string_split(text, chr(10)) AS l FROM files))
WHERE text <> '';

-- A file's kind: its first IR/UK/YK (or an RE before any, read as 医科); DPC by its BU records.
CREATE TEMP TABLE file_kind AS
SELECT file_idx, CASE WHEN header = 'medical' AND dpc THEN 'dpc' ELSE coalesce(header, 'medical') END AS kind
FROM files LEFT JOIN (
    SELECT file_idx, arg_min(CASE WHEN rec = 'UK' OR (rec = 'IR' AND split_part(text, ',', 4) = '3') THEN 'dental'
                                  WHEN rec = 'YK' OR (rec = 'IR' AND split_part(text, ',', 4) = '4') THEN 'pharmacy'
                                  ELSE 'medical' END, line_no) AS header
    FROM recs WHERE rec IN ('IR', 'UK', 'YK', 'RE') GROUP BY file_idx) USING (file_idx);

-- Each line's anchor: the last RE, IR, UK, YK or GO at or before it. A line whose anchor is
-- an RE belongs to that receipt.
CREATE TEMP TABLE body AS
SELECT r.*, k.kind,
       max(CASE WHEN rec IN ('RE', 'IR', 'UK', 'YK', 'GO') THEN line_no END)
           OVER (PARTITION BY file_idx ORDER BY line_no) AS anchor
FROM recs r JOIN file_kind k USING (file_idx);

-- Receipts: RE with the institution of the last IR/UK/YK before it; a bad RE opens none.
CREATE TEMP TABLE receipts AS
WITH s AS (
    SELECT file_idx, line_no, rec, kind, string_split(text, ',') AS f FROM body
    WHERE rec IN ('RE', 'IR', 'UK', 'YK')
), keyed AS (
    SELECT *, last_value(CASE WHEN rec <> 'RE' THEN
                  printf('%02d', CASE WHEN num(fld(f, 2)) BETWEEN 0 AND 99 THEN num(fld(f, 2)) ELSE 0 END)
                  || CASE WHEN num(fld(f, 3)) BETWEEN 1 AND 255 THEN num(fld(f, 3)) ELSE 0 END || fld(f, 4) END
              IGNORE NULLS) OVER (PARTITION BY file_idx ORDER BY line_no) AS institution
    FROM s
)
SELECT file_idx, line_no AS line, kind, fld(f, 2)::INT AS receipt_type, parse_month(fld(f, 3)) AS month,
       coalesce(institution, '') AS institution, coalesce(num(fld(f, 1)), 0) AS receipt_no,
       fld(f, CASE kind WHEN 'dental' THEN 19 WHEN 'pharmacy' THEN 37 ELSE 18 END) AS search_no,
       fld(f, 4) AS name, coalesce(num(fld(f, 5)), 0) AS sex, parse_date(fld(f, 6)) AS birth
FROM keyed
WHERE rec = 'RE' AND regexp_full_match(fld(f, 2), '[0-9]{4}') AND parse_month(fld(f, 3)) <> 0
  AND NOT (is_bad(fld(f, 1)) OR is_bad(fld(f, 7)) OR is_bad(fld(f, 5)));

-- The lines of the open receipts, with their fields.
CREATE TEMP TABLE parts AS
SELECT b.file_idx, b.anchor AS line, b.line_no, b.rec, b.kind, r.month, string_split(b.text, ',') AS f
FROM body b JOIN receipts r ON r.file_idx = b.file_idx AND r.line = b.anchor
WHERE b.rec IN ('HO', 'KO', 'JD', 'SI', 'IY', 'TO', 'SS', 'CZ');

-- Day columns of SI/IY/TO (SS in 歯科) as bit masks; a record with a day that is no count is
-- quarantined by the reader and adds nothing.
CREATE TEMP TABLE item_days AS
WITH items AS (
    SELECT file_idx, line, list_slice(f, first_day, first_day + 30) AS day_fields
    FROM (SELECT *, CASE WHEN kind IN ('medical', 'dpc') THEN CASE rec WHEN 'SI' THEN 14 WHEN 'IY' THEN 14 WHEN 'TO' THEN 18 END
                         WHEN kind = 'dental' THEN CASE rec WHEN 'SS' THEN 79 WHEN 'SI' THEN 8 WHEN 'IY' THEN 9 WHEN 'TO' THEN 15 END
                    END AS first_day FROM parts WHERE rec IN ('SI', 'IY', 'TO', 'SS'))
    WHERE first_day IS NOT NULL
)
SELECT file_idx, line, bit_or(coalesce(list_sum(list_transform(day_fields, lambda v, i:
           CASE WHEN v <> '' THEN 1::BIGINT << (i - 1) ELSE 0 END)), 0)) AS days
FROM items
WHERE coalesce(list_bool_and(list_transform(list_filter(day_fields, lambda v: v <> ''), lambda v:
          regexp_full_match(v, '[0-9]{1,9}') AND coalesce(try_cast(v AS BIGINT) <= 65535, false))), true)
GROUP BY ALL;

-- 調剤: the 調剤年月日 of each CZ inside the month is a day of care.
CREATE TEMP TABLE dispensing_days AS
SELECT file_idx, line, bit_or(1::BIGINT << (parse_date(fld(f, 3)) % 100 - 1)::INT) AS days
FROM parts WHERE rec = 'CZ' AND kind = 'pharmacy' AND parse_date(fld(f, 3)) // 100 = month
GROUP BY ALL;

-- HO / KO; a record with a non-number in a numeric field is quarantined. KO take positions
-- 1..4 in order (a quarantined one too), HO position 0: the JD 負担者種別 names them.
CREATE TEMP TABLE payers AS
WITH c AS (
    SELECT *, CASE WHEN rec = 'HO' THEN 0
                   ELSE least(row_number() OVER (PARTITION BY file_idx, line, rec ORDER BY line_no), 4) END AS slot,
              ltrim(fld(f, 1), ' ') AS digits
    FROM parts WHERE rec IN ('HO', 'KO')
)
SELECT file_idx, line, line_no, rec, slot, fld(f, 1) AS payer_no, fld(f, 2) AS member_no,
       CASE WHEN length(digits) = 8 AND regexp_full_match(digits[1:2], '[0-9]{2}') THEN digits[1:2]::INT ELSE 0 END AS law_no,
       length(digits) = 6 OR (length(digits) = 8 AND digits[1:2] = '39') AS excluded,
       greatest(coalesce(num(fld(f, CASE WHEN kind = 'pharmacy' THEN 7 ELSE 6 END)), 0), 0) AS copay
FROM c
WHERE NOT list_bool_or(list_transform(
    CASE WHEN rec = 'HO' THEN CASE kind WHEN 'dental' THEN [4, 5, 10, 6, 7] WHEN 'pharmacy' THEN [4, 5, 9] ELSE [4, 5, 11, 7, 8] END
         ELSE CASE kind WHEN 'dental' THEN [4, 5, 6, 8, 9] WHEN 'pharmacy' THEN [4, 5, 7] ELSE [4, 5, 6, 10, 11] END END,
    lambda i: is_bad(fld(f, i))));

-- JD: the 実日数 days (flag 1) of the payer it names, the first JD after that payer's record.
CREATE TEMP TABLE visit_days AS
WITH slots AS (SELECT file_idx, line, slot, min(line_no) AS payer_line FROM payers GROUP BY ALL),
jd AS (
    SELECT p.file_idx, p.line, p.line_no, p.f, s.slot
    FROM parts p JOIN slots s ON s.file_idx = p.file_idx AND s.line = p.line
                             AND s.slot = try_cast(fld(p.f, 1) AS INT) - 1 AND s.payer_line < p.line_no
    WHERE p.rec = 'JD' AND fld(p.f, 1) IN ('1', '2', '3', '4', '5')
    QUALIFY row_number() OVER (PARTITION BY p.file_idx, p.line, s.slot ORDER BY p.line_no) = 1
)
SELECT file_idx, line, bit_or(coalesce(list_sum(list_transform(list_slice(f, 3, 33), lambda v, i:
           CASE WHEN v = '1' THEN 1::BIGINT << (i - 1) ELSE 0 END)), 0)) AS days
FROM jd GROUP BY ALL;

-- One claim per receipt: the first KO of 法別 12 or 25, the HO, every day of care. A receipt
-- whose key repeats an earlier one replaces it (a resubmission).
CREATE TEMP TABLE claims AS
WITH welfare AS (
    SELECT file_idx, line, arg_min({'law_no': law_no, 'office_no': payer_no, 'recipient_no': member_no, 'copay': copay},
                                   line_no) AS ko
    FROM payers WHERE rec = 'KO' AND law_no IN (12, 25) GROUP BY ALL
), insurance AS (
    SELECT file_idx, line, arg_max(excluded, line_no) AS excluded FROM payers WHERE rec = 'HO' GROUP BY ALL
)
SELECT r.*, coalesce(w.ko.law_no, 0) AS law_no, coalesce(w.ko.office_no, '') AS office_no,
       coalesce(w.ko.recipient_no, '') AS recipient_no, coalesce(w.ko.copay, 0) AS copay,
       coalesce(luhn_ok(w.ko.office_no), true) AS office_ok,
       coalesce(w.ko.recipient_no = '' OR luhn_ok(w.ko.recipient_no), true) AS recipient_ok,
       i.line IS NOT NULL AS insured, coalesce(i.excluded, false) AS excluded,
       coalesce(d.days, 0) | coalesce(v.days, 0) | coalesce(z.days, 0) AS care_days,
       r.institution || '-' || r.month || '-'
           || CASE r.kind WHEN 'medical' THEN 'M' WHEN 'dpc' THEN 'D' WHEN 'dental' THEN 'S' ELSE 'Y' END
           || CASE WHEN r.search_no <> '' THEN 'S' || r.search_no
                   ELSE 'R' || r.receipt_no || '@' || r.file_idx END AS receipt_key
FROM receipts r
LEFT JOIN welfare w USING (file_idx, line)
LEFT JOIN insurance i USING (file_idx, line)
LEFT JOIN item_days d USING (file_idx, line)
LEFT JOIN visit_days v USING (file_idx, line)
LEFT JOIN dispensing_days z USING (file_idx, line)
QUALIFY row_number() OVER (PARTITION BY receipt_key ORDER BY file_idx DESC, line DESC) = 1;
"""

FEED_SQL = """
-- Tickets: bad rows dropped; a later row with a ticket_id replaces the earlier one, which
-- keeps its place in load order. A ticket named in another's `replaces` is no longer in force.
CREATE TEMP TABLE ticket_rows AS
SELECT *, iso_date(valid_from) AS from_date, iso_date(valid_to) AS to_date,
       CASE WHEN regexp_full_match(month, '[0-9]{4}-(0[1-9]|1[0-2])') THEN replace(month, '-', '')::INT ELSE 0 END AS month_n
FROM raw_tickets;

CREATE TEMP TABLE tickets AS
WITH ok AS (
    SELECT * FROM ticket_rows
    WHERE ticket_id <> '' AND person_id <> '' AND office_ok(office_no) AND regexp_full_match(recipient_no, '[0-9]{7}')
      AND month_n >= 186801 AND care_type IN ('1', '2', '3', '4', '5')
      AND regexp_full_match(institution_pref, '0[1-9]|[1-3][0-9]|4[0-7]') AND regexp_full_match(institution_code, '[0-9]{7}')
      AND from_date // 100 = month_n AND to_date // 100 = month_n AND from_date <= to_date
      AND regexp_full_match(copay, '[0-9]{0,9}') AND regexp_full_match(insurer_no, '([0-9]{6}|[0-9]{8})?')
      AND iso_date(issued_on) > 0 AND status IN ('issued', 'cancelled') AND replaces <> ticket_id
), held AS (
    SELECT *, min(load_order) OVER (PARTITION BY ticket_id) AS pos FROM ok
    QUALIFY row_number() OVER (PARTITION BY ticket_id ORDER BY load_order DESC) = 1
)
SELECT ticket_id, office_no, recipient_no, person_id, month_n AS month, care_type::INT AS care,
       institution_pref || CASE care_type WHEN '3' THEN '3' WHEN '4' THEN '4' WHEN '5' THEN '6' ELSE '1' END
           || institution_code AS institution,
       from_date % 100 AS from_day, to_date % 100 AS to_day, coalesce(try_cast(copay AS BIGINT), 0) AS copay,
       insurer_no <> '' AS with_insurance,
       status = 'issued' AND ticket_id NOT IN (SELECT replaces FROM held WHERE replaces <> '') AS in_force, pos
FROM held;

-- Recipients: one row per protection period; bad rows dropped, a later row with the same
-- (office_no, person_id, protected_from) wins. A period overlapping one loaded earlier for the
-- same person (another protected_from) is dropped, as the engine quarantines it (the engine
-- compares with the periods it kept: only chains of three overlapping rows differ).
CREATE TEMP TABLE recipients AS
WITH ok AS (
    SELECT office_no, person_id, name, iso_date(birth_date) AS birth, sex::INT AS sex, load_order,
           iso_date(protected_from) AS protected_from, iso_date(protected_to) AS protected_to,
           CASE WHEN protected_to = '' THEN 99999999 ELSE iso_date(protected_to) END AS until
    FROM raw_recipients
    WHERE office_no <> '' AND person_id <> '' AND name <> '' AND office_ok(office_no) AND sex IN ('1', '2')
      AND iso_date(birth_date) > 0 AND iso_date(protected_from) > 0 AND (protected_to = '' OR iso_date(protected_to) > 0)
      AND (protected_to = '' OR iso_date(protected_to) >= iso_date(protected_from))
      AND iso_date(protected_from) >= iso_date(birth_date)
      AND regexp_full_match(insurer_no, '([0-9]{6}|[0-9]{8})?')
)
SELECT office_no, person_id, name_key(name) AS name_key, birth, sex, protected_from, protected_to
FROM ok r
WHERE NOT EXISTS (SELECT 1 FROM ok e WHERE e.office_no = r.office_no AND e.person_id = r.person_id
                  AND e.load_order < r.load_order AND e.protected_from <> r.protected_from
                  AND r.protected_from <= e.until AND e.protected_from <= r.until)
QUALIFY row_number() OVER (PARTITION BY office_no, person_id, protected_from ORDER BY load_order DESC) = 1;
"""

MATCH_SQL = """
CREATE TEMP TABLE welfare AS
SELECT *, CASE kind WHEN 'dental' THEN 3 WHEN 'pharmacy' THEN 4 WHEN 'dpc' THEN 1
                    ELSE CASE WHEN receipt_type % 2 = 1 THEN 1 ELSE 2 END END AS care,
       -- care days; a receipt without day information counts as care on the 1st
       CASE WHEN care_days = 0 THEN 1 ELSE care_days END AS days,
       name_key(name) AS name_key
FROM claims WHERE law_no <> 0;

-- Who: the ticket printed with the receipt's numbers (one in force first, then load order),
-- else the one recipient of the office with this name, birth date and sex.
CREATE TEMP TABLE identified AS
WITH by_number AS (
    SELECT office_no, recipient_no, month, person_id FROM tickets
    QUALIFY row_number() OVER (PARTITION BY office_no, recipient_no, month ORDER BY in_force DESC, pos) = 1
), by_name AS (
    SELECT office_no, name_key, birth, sex, any_value(person_id) AS person_id FROM recipients
    GROUP BY ALL HAVING count(DISTINCT person_id) = 1
)
SELECT w.*, coalesce(n.person_id, m.person_id, '') AS person_id, n.person_id IS NOT NULL AS by_number,
       w.office_no IN (SELECT office_no FROM tickets) AS has_feed
FROM welfare w
LEFT JOIN by_number n ON n.office_no = w.office_no AND n.recipient_no = w.recipient_no AND n.month = w.month
LEFT JOIN by_name m ON m.office_no = w.office_no AND m.name_key = w.name_key AND m.birth = w.birth AND m.sex = w.sex;

CREATE TEMP TABLE statuses AS
WITH live AS (SELECT * FROM tickets WHERE in_force),
live_month AS (SELECT office_no, person_id, month, count(*) AS n FROM live GROUP BY ALL),
live_here AS (SELECT office_no, person_id, month, institution, count(*) AS n FROM live GROUP BY ALL),
-- The fitting ticket: printed with the receipt's 受給者番号 first, then the first by id.
fit AS (
    SELECT c.file_idx, c.line, t.from_day, t.to_day, t.copay AS ticket_copay, t.with_insurance
    FROM identified c JOIN live t USING (office_no, person_id, month, institution, care)
    QUALIFY row_number() OVER (PARTITION BY c.file_idx, c.line
                               ORDER BY t.recipient_no <> c.recipient_no, t.ticket_id) = 1
),
periods AS (
    SELECT c.file_idx, c.line,
           bit_or(day_range(CASE WHEN p.protected_from > c.month * 100 THEN p.protected_from - c.month * 100 ELSE 1 END,
                            CASE WHEN p.protected_to = 0 THEN 31 ELSE p.protected_to - c.month * 100 END)) AS covered,
           bool_or(p.name_key = c.name_key AND p.birth = c.birth AND p.sex = c.sex) AS same_person
    FROM identified c JOIN recipients p USING (office_no, person_id)
    GROUP BY ALL
),
facts AS (
    SELECT c.*, has_feed AND person_id <> '' AS checked,
           coalesce(lm.n, 0) AS n_live, coalesce(lh.n, 0) AS n_here, f.from_day IS NOT NULL AS has_ticket,
           f.from_day, f.to_day, f.ticket_copay, f.with_insurance, p.covered, p.same_person,
           row_number() OVER (PARTITION BY office_no, CASE WHEN person_id <> '' THEN person_id ELSE '#' || recipient_no END,
                                           institution, month, care ORDER BY file_idx, line) > 1 AS duplicate
    FROM identified c
    LEFT JOIN live_month lm USING (office_no, person_id, month)
    LEFT JOIN live_here lh USING (office_no, person_id, month, institution)
    LEFT JOIN fit f USING (file_idx, line)
    LEFT JOIN periods p USING (file_idx, line)
)
SELECT file_idx, line, CASE  -- in order of precedence
    WHEN checked AND n_live = 0 THEN 'NO_TICKET'
    WHEN checked AND n_here = 0 THEN 'INSTITUTION_MISMATCH'
    WHEN checked AND NOT has_ticket THEN 'CARE_TYPE_MISMATCH'
    WHEN checked AND has_ticket AND days & ~day_range(from_day, to_day) <> 0 THEN 'OUTSIDE_VALIDITY'
    WHEN checked AND covered IS NOT NULL AND days & ~covered <> 0 THEN 'NOT_PROTECTED'
    WHEN checked AND by_number AND covered IS NOT NULL AND NOT same_person THEN 'PERSON_MISMATCH'
    WHEN checked AND has_ticket AND ticket_copay <> copay THEN 'COPAY_MISMATCH'
    WHEN has_feed AND person_id = '' THEN 'UNKNOWN_RECIPIENT'
    WHEN NOT (office_ok AND recipient_ok) THEN 'INVALID_NUMBER'
    WHEN duplicate THEN 'DUPLICATE_CLAIM'
    WHEN excluded OR (checked AND has_ticket AND with_insurance <> insured) THEN 'INSURANCE_INCONSISTENT'
    WHEN NOT has_feed THEN 'NO_TICKET_FEED'
    ELSE 'MATCHED' END AS match_status
FROM facts;
"""


def _load_files(con: duckdb.DuckDBPyConnection, files: list[str]) -> None:
    """The decoded text of every receipt file as table `files` (file_idx, dpc, text)."""
    rows = []
    for idx, path in enumerate(files):
        raw = Path(path).read_bytes()
        text = decode(raw)
        if is_payer_side(text):
            raise ValueError(f"{path}: payer-side files are not read by this peer")
        rows.append((idx, is_dpc(raw), text))
    frame = pd.DataFrame(rows, columns=["file_idx", "dpc", "text"])
    con.register("files_frame", frame)
    con.execute("CREATE TEMP TABLE files AS SELECT * FROM files_frame")
    con.unregister("files_frame")


def _utf8_copy(path: str, scratch: Path) -> str:
    """`path` itself if it is UTF-8, else a UTF-8 copy of the CP932 file in `scratch`."""
    raw = Path(path).read_bytes()
    try:
        raw.decode("utf-8")
        return path
    except UnicodeDecodeError:
        copy = scratch / f"{len(list(scratch.iterdir()))}_{Path(path).name}"
        copy.write_text(raw.decode("cp932", errors="replace"), encoding="utf-8")
        return str(copy)


def _load_feed_table(con: duckdb.DuckDBPyConnection, table: str, paths: list[str], columns: list[str],
                     scratch: Path) -> None:
    """Feed files as one table of folded strings with a load_order column (file, then row)."""
    selects = []
    for path in paths:
        source = _utf8_copy(path, scratch).replace("'", "''")
        present = set(con.execute(f"SELECT * FROM read_csv('{source}', all_varchar = true, header = true) LIMIT 0")
                      .fetchdf().columns.str.strip())
        values = ", ".join(f"fold({c}) AS {c}" if c in present else f"'' AS {c}" for c in columns)
        selects.append(f"SELECT {values} FROM read_csv('{source}', all_varchar = true, header = true)")
    con.execute(f"CREATE TEMP TABLE {table}_in AS " + " UNION ALL ".join(f"({s})" for s in selects))
    # rowid follows insertion order: file by file, row by row.
    con.execute(f"CREATE TEMP TABLE {table} AS SELECT *, rowid AS load_order FROM {table}_in")


def match(receipts: list[str], recipients: str, tickets: list[str]) -> pd.DataFrame:
    """End to end: files in, one row per receipt out (file, line, match_status)."""
    files = receipt_files(receipts)
    con = duckdb.connect()
    con.create_function("name_key", normalize_name, ["VARCHAR"], "VARCHAR")
    con.execute(MACROS)
    _load_files(con, files)
    con.execute(RECEIPTS_SQL)
    with tempfile.TemporaryDirectory() as scratch:
        _load_feed_table(con, "raw_tickets", tickets,
                         ["ticket_id", "office_no", "recipient_no", "person_id", "month", "care_type",
                          "institution_pref", "institution_code", "valid_from", "valid_to", "copay",
                          "insurer_no", "issued_on", "status", "replaces"], Path(scratch))
        _load_feed_table(con, "raw_recipients", [recipients],
                         ["office_no", "person_id", "name", "sex", "birth_date", "protected_from",
                          "protected_to", "insurer_no"], Path(scratch))
    con.execute(FEED_SQL)
    con.execute(MATCH_SQL)
    result = con.execute("""
        SELECT c.file_idx, c.line, coalesce(s.match_status, ?) AS match_status
        FROM claims c LEFT JOIN statuses s USING (file_idx, line) ORDER BY c.file_idx, c.line""",
                         [NOT_WELFARE]).fetchdf()
    con.close()
    return pd.DataFrame({"file": result["file_idx"].map(dict(enumerate(files))), "line": result["line"],
                         "match_status": result["match_status"]})


if __name__ == "__main__":
    run_cli(match, __doc__)
