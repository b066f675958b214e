import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "data" / "samples"


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
