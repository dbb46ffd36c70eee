"""The numpy neighbour search (BruteNeighbors) against scikit-learn's NearestNeighbors.

footfit dropped scikit-learn from the fitting line (its import cost ~0.8 s of every
``footfit process``); these tests hold the replacement to the same neighbours and distances:
the raw search, the insole matcher on 4,000 feet with missing features in every style, and
the stock last search.
"""

from __future__ import annotations

import numpy as np
import pytest

from footfit import InsoleMatcher, NotFittedError, generate_last, load_stock_lasts
from footfit._core.knn import BruteNeighbors
from footfit.insoles import STYLES
from footfit.last import STYLE_NAMES, nearest_stock_last
from footfit.last.stock import _matching
from footfit.sizes import standard_foot

sklearn_neighbors = pytest.importorskip("sklearn.neighbors")


@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
@pytest.mark.parametrize("algorithm", ["kd_tree", "brute"])
def test_brute_neighbors_equal_sklearn(rng, metric, algorithm):
    x = rng.normal(size=(137, 5))
    q = rng.normal(size=(300, 5))
    for k in (1, 3, 137):
        ours_d, ours_i = BruteNeighbors(n_neighbors=k, metric=metric).fit(x).kneighbors(q)
        ref = sklearn_neighbors.NearestNeighbors(n_neighbors=k, algorithm=algorithm,
                                                 metric=metric).fit(x)
        ref_d, ref_i = ref.kneighbors(q)
        np.testing.assert_array_equal(ours_i, ref_i)
        np.testing.assert_allclose(ours_d, ref_d, rtol=1e-12, atol=1e-12)
        # a few queries take the broadcast path: same answer
        few_d, few_i = BruteNeighbors(n_neighbors=k, metric=metric).fit(x).kneighbors(q[:5])
        np.testing.assert_array_equal(few_i, ref_i[:5])
        np.testing.assert_allclose(few_d, ref_d[:5], rtol=1e-12, atol=1e-12)
    # the full distance matrix is the one the neighbours were taken from
    d = BruteNeighbors(metric=metric).fit(x).distances(q)
    ref_all = sklearn_neighbors.NearestNeighbors(metric=metric).fit(x).kneighbors(
        q, n_neighbors=137)
    np.testing.assert_allclose(np.take_along_axis(d, ref_all[1], axis=1), ref_all[0],
                               rtol=1e-12, atol=1e-12)


def test_brute_neighbors_ties_in_row_order_and_blocks():
    x = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0], [2.0, 2.0]])
    d, i = BruteNeighbors(n_neighbors=4).fit(x).kneighbors(np.zeros((3, 2)))
    assert i.tolist() == [[0, 1, 2, 3]] * 3
    np.testing.assert_array_equal(d, 1.0)
    # more queries than one block: same answer as block by block
    rng = np.random.default_rng(5)
    xs = rng.normal(size=(40, 3))
    qs = rng.normal(size=(9000, 3))
    nn = BruteNeighbors(n_neighbors=4).fit(xs)
    d_all, i_all = nn.kneighbors(qs)
    d_part, i_part = nn.kneighbors(qs[8000:])
    np.testing.assert_array_equal(i_all[8000:], i_part)
    np.testing.assert_array_equal(d_all[8000:], d_part)
    assert nn.kneighbors(qs[:2], return_distance=False).shape == (2, 4)


def test_brute_neighbors_errors():
    with pytest.raises(NotFittedError, match="fit"):
        BruteNeighbors().kneighbors([[0.0]])
    with pytest.raises(ValueError, match="metric"):
        BruteNeighbors(metric="cosine").fit([[0.0]])
    with pytest.raises(ValueError, match="n_neighbors"):
        BruteNeighbors(n_neighbors=0).fit([[0.0]])
    with pytest.raises(ValueError, match="2-D"):
        BruteNeighbors().fit([0.0, 1.0])
    with pytest.raises(ValueError, match="at least one row"):
        BruteNeighbors().fit(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="finite"):
        BruteNeighbors().fit([[np.nan, 0.0]])
    nn = BruteNeighbors(n_neighbors=2).fit([[0.0, 0.0], [1.0, 1.0]])
    with pytest.raises(ValueError, match="2 columns"):
        nn.kneighbors([[0.0]])
    with pytest.raises(ValueError, match="<= the 2 reference rows"):
        nn.kneighbors([[0.0, 0.0]], n_neighbors=3)


class _SklearnIndex:
    """The matcher's index as it was: a scikit-learn kd-tree over one group."""

    def __init__(self, x, metric):
        self.n = x.shape[0]
        self.nn = sklearn_neighbors.NearestNeighbors(
            n_neighbors=self.n, algorithm="kd_tree", metric=metric).fit(x)

    def distances(self, q):
        d, pos = self.nn.kneighbors(q, n_neighbors=self.n)
        out = np.zeros_like(d)
        np.put_along_axis(out, pos, d, axis=1)
        return out


class _SklearnMatcher(InsoleMatcher):
    def _make_index(self, x):
        return _SklearnIndex(x, self.metric)


def _feet(rng, n):
    fl = rng.uniform(150.0, 330.0, n)
    bw = 0.39 * fl + rng.normal(0, 4, n)
    hw = 0.26 * fl + rng.normal(0, 3, n)
    ai = rng.uniform(0.12, 0.36, n)
    hv = rng.normal(12.0, 7.0, n)
    for col in (bw, hw, ai, hv):  # every pattern of missing features occurs
        col[rng.random(n) < 0.15] = np.nan
    return {"foot_length_mm": fl, "ball_width_mm": bw, "heel_width_mm": hw,
            "arch_index": ai, "hallux_valgus_angle_deg": hv}


@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
def test_matcher_equals_sklearn_backed_matcher(rng, metric):
    feet = _feet(rng, 4000)
    styles = rng.choice(np.array(STYLES, dtype=object), size=4000)
    ours = InsoleMatcher(n_neighbors=5, metric=metric).fit()
    ref = _SklearnMatcher(n_neighbors=5, metric=metric).fit()
    a = ours.match_many(feet, style=styles)
    b = ref.match_many(feet, style=styles)
    assert a.matched.mean() > 0.8  # some styles have no device for the shortest feet
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.n_candidates, b.n_candidates)
    np.testing.assert_allclose(a.distances, b.distances, rtol=1e-12, atol=1e-12)
    # single-foot match agrees with the batch (and hence with scikit-learn)
    for i in np.flatnonzero(a.matched)[:40]:
        foot = {k: float(v[i]) for k, v in feet.items()}
        got = ours.match(foot, k=5, style=str(styles[i]))
        assert [m.sku for m in got] == [s for s in a.skus[i] if s]
        np.testing.assert_allclose([m.distance for m in got],
                                   a.distances[i][: len(got)], rtol=1e-12)


def test_stock_last_search_equals_sklearn(rng):
    lib = load_stock_lasts()
    cfg = _matching()
    feats = tuple(cfg["features"])
    w = np.array([float(cfg["features"][f]) for f in feats])
    for _ in range(30):
        style = str(rng.choice(STYLE_NAMES))
        fl = float(rng.uniform(200, 310))
        foot = {"side": "right", "foot_length_mm": fl,
                "ball_girth_mm": standard_foot(fl, sex="male")["ball_girth_mm"]
                + float(rng.normal(0, 8)),
                "heel_width_mm": float(rng.uniform(55, 75))}
        p = generate_last(foot, style=style, sex=str(rng.choice(["male", "female"])))
        got = nearest_stock_last(p, library=lib, k=4, group="any")
        rows = lib.select(style)
        x = np.array([[r[f] for f in feats] for r in rows]) * w
        q = np.array([[p.dimensions()[f] for f in feats]]) * w
        ref_d, ref_i = sklearn_neighbors.NearestNeighbors(n_neighbors=4, algorithm="brute").fit(
            x).kneighbors(q)
        # scikit-learn's brute euclidean goes through |x|^2 - 2 x.q + |q|^2 (~1e-6 mm off)
        np.testing.assert_allclose([m.distance for m in got], ref_d[0], rtol=0, atol=1e-5)
        gaps = np.diff(ref_d[0])
        for j, m in enumerate(got):
            if (j == 0 or gaps[j - 1] > 1e-5) and (j == len(got) - 1 or gaps[j] > 1e-5):
                assert m.id == rows[ref_i[0, j]]["id"]


def test_lazily_built_index_gives_the_same_matches():
    """fit(prebuild=False) builds each group at first use; the matches are the same."""
    eager = InsoleMatcher(n_neighbors=5).fit()
    lazy = InsoleMatcher(n_neighbors=5).fit(prebuild=False)
    assert lazy.nn_ == {} and len(eager.nn_) >= 100
    rng = np.random.default_rng(7)
    for _ in range(40):
        feet = {"foot_length_mm": float(rng.uniform(200, 300)),
                "ball_width_mm": float(rng.uniform(85, 110)),
                "heel_width_mm": float(rng.uniform(55, 75)),
                "arch_index": float(rng.uniform(0.15, 0.32))}
        if rng.random() < 0.3:
            feet.pop("heel_width_mm")
        style = str(rng.choice(["sport", "casual", "boot"]))
        a, b = eager.match(feet, style=style), lazy.match(feet, style=style)
        assert [m.to_dict() for m in a] == [m.to_dict() for m in b]
    assert 0 < len(lazy.nn_) < len(eager.nn_) + 40
