"""footfit._core.morphology gives scipy.ndimage's results on random grids."""

import numpy as np
import pytest
from scipy import ndimage

from footfit._core import morphology as m

STRUCTS = [None, "box"]


def _grids(ndim, n=40):
    rng = np.random.default_rng(ndim)
    for _ in range(n):
        shape = tuple(rng.integers(1, 12 if ndim == 3 else 25, ndim))
        yield rng.random(shape) < rng.uniform(0.1, 0.9)


@pytest.mark.parametrize("ndim", [2, 3])
@pytest.mark.parametrize("st", STRUCTS)
@pytest.mark.parametrize("it", [1, 2, 3])
@pytest.mark.parametrize("bv", [0, 1])
def test_binary_ops(ndim, st, it, bv):
    s = None if st is None else np.ones((3,) * ndim, dtype=bool)
    for g in _grids(ndim, 15):
        for mine, ref in ((m.binary_dilation, ndimage.binary_dilation),
                          (m.binary_erosion, ndimage.binary_erosion),
                          (m.binary_closing, ndimage.binary_closing)):
            want = ref(g, structure=s, iterations=it, border_value=bv)
            np.testing.assert_array_equal(mine(g, s, it, bv), want)


@pytest.mark.parametrize("ndim", [2, 3])
@pytest.mark.parametrize("st", STRUCTS)
def test_label(ndim, st):
    s = None if st is None else np.ones((3,) * ndim)
    for g in _grids(ndim):
        lab, n = m.label(g, s)
        want, wn = ndimage.label(g, structure=s)
        assert n == wn
        # same partition (and, as it happens, the same numbering)
        pairs = set(zip(lab[g].tolist(), want[g].tolist(), strict=True))
        assert len(pairs) == n
        np.testing.assert_array_equal(lab, want)


def test_filters_1d():
    rng = np.random.default_rng(5)
    for n in [1, 2, 3, 5, 17, 80]:
        a = rng.normal(size=n) * 10
        np.testing.assert_allclose(m.gaussian_filter1d_nearest(a, 1.5),
                                   ndimage.gaussian_filter1d(a, 1.5, mode="nearest"),
                                   rtol=0, atol=1e-12)
        np.testing.assert_array_equal(m.median3_nearest(a),
                                      ndimage.median_filter(a, size=3, mode="nearest"))


def test_gaussian_2d():
    rng = np.random.default_rng(6)
    for shape in [(1, 1), (2, 7), (9, 4), (30, 25)]:
        a = (rng.random(shape) < 0.5).astype(np.float64)
        np.testing.assert_allclose(m.gaussian_filter_reflect(a, 1.5),
                                   ndimage.gaussian_filter(a, 1.5), rtol=0, atol=1e-12)
