import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "data" / "samples"


@pytest.fixture(scope="session", autouse=True)
def office_staff_of_every_office():
    """Tests that are not about access read results as staff of every office.

    Session-wide (set before module fixtures run engines); tests of roles pass
    their own AccessContext. Audit entries go to ``audit.log`` beside each
    result file in the test's temporary folder.
    """
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RECEPTOR_ROLE", "office_staff")
        mp.setenv("RECEPTOR_OFFICES", "*")
        mp.setenv("RECEPTOR_USER", "pytest")
        mp.delenv("RECEPTOR_AUDIT_LOG", raising=False)
        yield


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def masters():
    import receptor

    return receptor.load_masters(ROOT / "data" / "masters")


# Result files and store files are sealed (docs/privacy.md). Tests run with a
# fixed master key unless one is configured, so that none creates a key file
# under the developer's home.
os.environ.setdefault("RECEPTOR_MASTER_KEY", "5eed" * 16)


@pytest.fixture(scope="session")
def scenario_runs(tmp_path_factory):
    """A generated payer-side scenario matched twice: before and after the late tickets arrived.

    The late tickets resolve some findings of the first run, as a correction would.
    """
    import receptor
    from receptor import _core

    out = tmp_path_factory.mktemp("scenario")
    made = _core.generate_scenario(str(out), receipts=1000, seed=5, payer_side=True)
    feed = out / "feed"
    with receptor.Engine(shards=2) as engine:
        engine.load(recipients=feed / "recipients.csv", tickets=feed / "tickets.csv",
                    other_schemes=feed / "other_schemes.csv")
        first = engine.run([made["receipts_dir"]], out / "first.h5")
        engine.load(tickets=feed / "tickets_late.csv")
        final = engine.run([made["receipts_dir"]], out / "final.h5")
    return {"dir": out, "first": first, "final": final, "recipients": feed / "recipients.csv",
            "receipts_dir": made["receipts_dir"]}
