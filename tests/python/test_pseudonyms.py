"""Keyed pseudonyms: stable for one key, unrelated across keys, linkable across tables."""

import shutil

import h5py
import numpy as np
import pytest

import receptor
from receptor import AccessContext, _core, pseudonymise
from receptor.access import keyed_id

KEY_A = b"first-analyst-key-0123456789abcd"
KEY_B = b"second-analyst-key-0123456789abc"


def test_stable_for_one_key():
    assert pseudonymise("12011011", "P0000502", KEY_A) == pseudonymise("12011011", "P0000502", KEY_A)
    assert len(pseudonymise("12011011", "P0000502", KEY_A)) == 32


def test_different_across_keys_and_offices():
    a = pseudonymise("12011011", "P0000502", KEY_A)
    assert a != pseudonymise("12011011", "P0000502", KEY_B)
    assert a != pseudonymise("12021010", "P0000502", KEY_A)  # same local id in another office: another person
    assert a != keyed_id("receipt_key", "12011011|P0000502", KEY_A)  # domains do not collide


def test_it_is_hmac_sha256_of_office_and_person():
    import hashlib
    import hmac

    want = hmac.new(KEY_A, "12011011|P0000502".encode(), hashlib.sha256).hexdigest()[:32]
    assert pseudonymise("12011011", "P0000502", KEY_A) == want


def test_unidentified_stays_empty_and_short_keys_are_refused():
    assert pseudonymise("12011011", "", KEY_A) == ""
    with pytest.raises(ValueError, match="16 bytes"):
        pseudonymise("12011011", "P1", b"short")


def _with_scores(src, dst):
    """A copy of a result file whose scores_person has a row for each person of the receipts."""
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        office = f["receipts/office_no"].asstr()[()]
        person = f["receipts/person_id"].asstr()[()]
        month = f["receipts/month"].asstr()[()]
        rows = sorted({(o, p, m) for o, p, m in zip(office, person, month) if p})
        g = f["scores_person"]
        columns = {"office_no": [r[0] for r in rows], "person_id": [r[1] for r in rows],
                   "month": [r[2] for r in rows], "peer_group": ["all"] * len(rows),
                   "top_features": ["visits(z=3.1)"] * len(rows)}
        for name, values in columns.items():
            del g[name]
            d = g.create_dataset(name, data=np.array(values, dtype=object), dtype=h5py.string_dtype())
            d.attrs["encoding-type"] = "string-array"
            d.attrs["encoding-version"] = "0.2.0"
        for name, values in (("score", np.arange(len(rows), dtype=np.float64)),
                             ("_index", np.arange(len(rows), dtype=np.int64))):
            del g[name]
            g.create_dataset(name, data=values).attrs["encoding-type"] = "array"
    return dst


@pytest.fixture(scope="module")
def result_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("pseudonyms")
    made = _core.generate_scenario(str(out), receipts=2000, seed=1)
    with receptor.Engine(shards=2) as engine:
        engine.load(recipients=out / "feed" / "recipients.csv", tickets=out / "feed" / "tickets.csv")
        engine.run([made["receipts_dir"]], out / "plain.h5")
    return _with_scores(out / "plain.h5", out / "results.h5")


def test_linkable_across_receipts_findings_scores_and_tickets(result_file):
    staff = receptor.open_results(result_file, AccessContext("sato", "office_staff", offices=("*",)))
    analyst = receptor.open_results(result_file, AccessContext("ana1", "analyst", pseudonym_key=KEY_A))
    # Row order is kept, so the analyst's rows line up with the stored ones.
    r, f, s, t = analyst.receipts, analyst.findings, analyst.scores_person, analyst.tickets
    assert len(f) > 0 and len(s) > 0
    # Every finding's person and receipt are found among the receipts, by pseudonym alone.
    linked = f.merge(r, on="receipt_key", suffixes=("", "_r"))
    with_receipt = f[f["receipt_key"] != ""]
    assert len(linked) == len(with_receipt) > 0
    assert (linked["person_id"] == linked["person_id_r"]).all()
    # Scores link to receipts by (office, pseudonym, month), as the identified rows do.
    assert set(zip(s["office_no"], s["person_id"])) == {
        (o, p) for o, p in zip(r["office_no"], r["person_id"]) if p}
    # Tickets link to receipts by ticket pseudonym, and agree on the person.
    matched = r[r["ticket_id"] != ""].merge(t, on="ticket_id", suffixes=("", "_t"))
    assert len(matched) == (staff.receipts["ticket_id"] != "").sum()
    assert (matched["person_id"] == matched["person_id_t"]).all()
    # The same person gets the same pseudonym everywhere and different people different ones.
    pairs = set(zip(staff.receipts["office_no"] + "|" + staff.receipts["person_id"], r["person_id"]))
    assert len({real for real, _ in pairs}) == len({p for _, p in pairs})


def test_other_key_other_pseudonyms(result_file):
    a = receptor.open_results(result_file, AccessContext("ana1", "analyst", pseudonym_key=KEY_A)).receipts
    b = receptor.open_results(result_file, AccessContext("ana2", "analyst", pseudonym_key=KEY_B)).receipts
    again = receptor.open_results(result_file, AccessContext("ana3", "analyst", pseudonym_key=KEY_A)).receipts
    identified = a["person_id"] != ""
    assert (a["person_id"] == again["person_id"]).all()
    assert not (a.loc[identified, "person_id"].to_numpy() == b.loc[identified, "person_id"].to_numpy()).any()
    assert not set(a["receipt_key"]) & set(b["receipt_key"])
