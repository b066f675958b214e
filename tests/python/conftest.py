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
