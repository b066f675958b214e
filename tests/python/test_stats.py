"""receptor._core.stats against a plain NumPy implementation of docs/statistics.md."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from receptor._core import stats

MAX_ABS_Z = 1e6
RIDGE = 1e-9
COVARIANCE_CLIP_Z = 3.0


def numpy_scale(column):
    """Median, scale and method of one feature: 1.4826·MAD, else 1.2533·mean |dev|, else 1."""
    x = column[np.isfinite(column)]
    if x.size == 0:
        return 0.0, 1.0, 2
    median = np.median(x)
    deviation = np.abs(x - median)
    mad = np.median(deviation)
    if mad > 0:
        return median, 1.4826 * mad, 0
    mean_abs_dev = deviation.mean()
    if mean_abs_dev > 0:
        return median, np.sqrt(np.pi / 2) * mean_abs_dev, 1
    return median, 1.0, 2


def numpy_z(rows, median, scale):
    with np.errstate(invalid="ignore"):
        z = np.clip((rows - median) / scale, -MAX_ABS_Z, MAX_ABS_Z)
    return np.where(np.isfinite(rows), z, 0.0)


def numpy_model(rows, shrinkage):
    n, p = rows.shape
    fitted = [numpy_scale(rows[:, j]) for j in range(p)]
    median = np.array([f[0] for f in fitted], dtype=float)
    scale = np.array([f[1] for f in fitted], dtype=float)
    method = np.array([f[2] for f in fitted], dtype=np.uint8)
    if n < 2:
        return median, scale, method, np.eye(p), 1.0
    winsorized = np.clip(numpy_z(rows, median, scale), -COVARIANCE_CLIP_Z, COVARIANCE_CLIP_Z)
    s = np.cov(winsorized, rowvar=False, ddof=1).reshape(p, p)
    mu = np.trace(s) / p
    if not mu > 0:
        mu = 1.0
    covariance = (1 - shrinkage) * s + (shrinkage * mu + RIDGE * max(mu, 1.0)) * np.eye(p)
    return median, scale, method, covariance, shrinkage


def numpy_ledoit_wolf(rows):
    """sklearn.covariance.ledoit_wolf_shrinkage on the centred, winsorized z values."""
    n, p = rows.shape
    if n < 2:
        return 1.0
    fitted = [numpy_scale(rows[:, j]) for j in range(p)]
    z = numpy_z(rows, np.array([f[0] for f in fitted]), np.array([f[1] for f in fitted]))
    w = np.clip(z, -COVARIANCE_CLIP_Z, COVARIANCE_CLIP_Z)
    w = w - w.mean(axis=0)
    mu = np.sum(w**2) / n / p
    beta_ = np.sum((w**2).T @ w**2)
    delta_ = np.sum((w.T @ w) ** 2) / n**2
    beta = (beta_ / n - delta_) / (p * n)
    delta = (delta_ - p * mu**2) / p
    if not delta > 1e-12 * mu**2:  # isotropic already: any λ gives the same covariance
        return 1.0
    return min(beta, delta) / delta


def numpy_scores(rows, median, scale, covariance):
    z = numpy_z(rows, median, scale)
    solved = np.linalg.solve(covariance, z.T).T
    contributions = z * solved
    return np.sqrt(np.maximum(contributions.sum(axis=1), 0.0)), z, contributions


def assert_close(actual, expected):
    """Equal to 1e-9 relative to the array's magnitude (entries near 0 are compared on that scale)."""
    expected = np.asarray(expected, dtype=float)
    magnitude = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=1e-9 * magnitude)


def sample_rows(seed, n, p, non_finite):
    """Continuous, small-count (MAD = 0 happens) and constant columns, a few outliers."""
    rng = np.random.default_rng(seed)
    columns = []
    for _ in range(p):
        kind = rng.integers(0, 4)
        if kind == 0:
            columns.append(rng.normal(rng.uniform(-50, 50), rng.uniform(0.1, 20), n))
        elif kind == 1:
            columns.append(rng.poisson(0.3, n).astype(float))
        elif kind == 2:
            columns.append(np.full(n, float(rng.integers(0, 5))))
        else:
            columns.append(rng.lognormal(3, 1, n))
    rows = np.column_stack(columns) if p else np.zeros((n, 0))
    rows = rows.reshape(n, p)
    if n:
        outliers = rng.random((n, p)) < 0.05
        rows[outliers] += rng.choice([-1, 1], outliers.sum()) * rng.uniform(50, 500, outliers.sum())
        if non_finite:
            holes = rng.random((n, p)) < 0.1
            rows[holes] = rng.choice([np.nan, np.inf, -np.inf], holes.sum())
    return rows


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 30),
    p=st.integers(1, 7),
    shrinkage=st.floats(0.05, 1.0),
    non_finite=st.booleans(),
)
def test_model_and_scores_equal_numpy(seed, n, p, shrinkage, non_finite):
    rows = sample_rows(seed, n, p, non_finite)
    model = stats.fit_peer_model("g", rows, shrinkage)
    median, scale, method, covariance, used = numpy_model(rows, shrinkage)

    assert model["peer_group"] == "g"
    assert model["members"] == n
    assert model["shrinkage"] == pytest.approx(used, rel=1e-15)
    np.testing.assert_array_equal(model["method"], method)
    assert_close(model["median"], median)
    assert_close(model["scale"], scale)
    assert model["covariance"].shape == (p, p)
    assert_close(model["covariance"], covariance)

    # Score the group itself and fresh rows, n < p included.
    probe = np.vstack([rows, sample_rows(seed + 1, 5, p, non_finite)])
    scores, z, top = stats.score_rows(model, probe, top_k=2)
    expected_scores, expected_z, contributions = numpy_scores(probe, median, scale, covariance)
    for array in (scores, z):
        assert np.isfinite(array).all()
    assert_close(z, expected_z)
    assert_close(scores, expected_scores)
    assert len(top) == len(probe)
    for i, features in enumerate(top):
        assert len(features) == min(2, p)
        # The features named carry the largest |contributions| (near-ties may swap indices).
        chosen = np.abs(contributions[i, [index for index, _ in features]])
        assert_close(chosen, np.sort(np.abs(contributions[i]))[::-1][: len(features)])
        for index, value in features:
            assert value == z[i, index]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 30), p=st.integers(1, 7))
def test_ledoit_wolf_shrinkage_equals_numpy(seed, n, p):
    rows = sample_rows(seed, n, p, non_finite=False)
    expected = numpy_ledoit_wolf(rows)
    shrinkage = stats.ledoit_wolf_shrinkage(rows)
    assert 0.0 <= shrinkage <= 1.0
    assert shrinkage == pytest.approx(expected, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("n", [0, 1])
def test_fewer_than_two_members_give_the_identity(n):
    rows = np.arange(n * 3, dtype=float).reshape(n, 3)
    model = stats.fit_peer_model("small", rows, 0.3)
    np.testing.assert_array_equal(model["covariance"], np.eye(3))
    assert model["shrinkage"] == 1.0
    scores, _, _ = stats.score_rows(model, np.array([[3.0, 5.0, 2.0]]) if n else np.array([[3.0, 4.0, 0.0]]))
    assert scores[0] == pytest.approx(5.0)


def test_row_order_does_not_change_the_model():
    rows = sample_rows(3, 40, 5, non_finite=True)
    model = stats.fit_peer_model("g", rows, 0.2)
    shuffled = stats.fit_peer_model("g", np.random.default_rng(1).permutation(rows), 0.2)
    for key in ("median", "scale", "method", "covariance"):
        np.testing.assert_array_equal(model[key], shuffled[key])


def test_wrong_shapes_raise_value_error():
    model = stats.fit_peer_model("g", np.ones((4, 3)), 0.2)
    with pytest.raises(ValueError, match="2-D"):
        stats.fit_peer_model("g", np.ones(4), 0.2)
    with pytest.raises(ValueError, match="features"):
        stats.score_rows(model, np.ones((2, 4)))
    with pytest.raises(ValueError, match="covariance"):
        stats.score_rows({**model, "covariance": np.eye(2)}, np.ones((2, 3)))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 60))
def test_roc_auc_equals_the_pairwise_definition(seed, n):
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 6, n).astype(float)  # few levels: many ties
    positive = rng.random(n) < 0.4
    pos, neg = scores[positive], scores[~positive]
    if pos.size == 0 or neg.size == 0:
        expected = 0.5
    else:
        diff = pos[:, None] - neg[None, :]
        expected = ((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size
    assert stats.roc_auc(scores.tolist(), positive.tolist()) == pytest.approx(expected, rel=1e-12)
