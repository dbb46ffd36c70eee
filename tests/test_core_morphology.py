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


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_label_union_find_sizes(ndim):
    # bigger grids with long snaking components: many hooking rounds, deep trees
    rng = np.random.default_rng(10 + ndim)
    shape = {1: (500,), 2: (120, 90), 3: (30, 25, 20)}[ndim]
    for p in (0.3, 0.5, 0.6):
        g = rng.random(shape) < p
        for s in (None, np.ones((3,) * ndim, dtype=bool)):
            got, n = m.label(g, s)
            want, n_want = ndimage.label(g, s)
            assert n == n_want
            np.testing.assert_array_equal(got, want)


def test_label_empty_and_full():
    assert m.label(np.zeros((4, 5), dtype=bool))[1] == 0
    lab, n = m.label(np.ones((4, 5), dtype=bool))
    assert n == 1 and (lab == 1).all()


def test_distance_transform_indices_equal_scipy():
    rng = np.random.default_rng(3)
    for _ in range(150):
        shape = tuple(rng.integers(1, 40, 2))
        feat = rng.random(shape) < rng.uniform(0.01, 0.6)
        if not feat.any():
            continue
        d, (i, j) = ndimage.distance_transform_edt(~feat, return_indices=True)
        d2, (i2, j2) = m.distance_transform_edt_indices(~feat)
        np.testing.assert_array_equal(i2, i)  # scipy's tie-breaking, cell for cell
        np.testing.assert_array_equal(j2, j)
        np.testing.assert_allclose(d2, d, rtol=0, atol=1e-12)


def test_distance_transform_rejects_3d():
    with pytest.raises(ValueError, match="2-D"):
        m.distance_transform_edt_indices(np.ones((2, 2, 2), dtype=bool))


def test_max_filter_and_box_sum():
    rng = np.random.default_rng(4)
    for _ in range(30):
        shape = tuple(rng.integers(1, 30, 2))
        a = rng.normal(size=shape)
        a[rng.random(shape) < 0.3] = -np.inf
        np.testing.assert_array_equal(m.max_filter3(a), ndimage.grey_dilation(a, size=(3, 3)))
        b = rng.integers(0, 6, size=shape)
        box = np.ones((3, 3), dtype=np.int64)
        np.testing.assert_array_equal(m.box_sum3(b), ndimage.correlate(b, box, mode="constant"))
