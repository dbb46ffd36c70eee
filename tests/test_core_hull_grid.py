"""footfit._core.hull and footfit._core.gridsearch give scipy.spatial's answers."""

import numpy as np
import pytest
from scipy.spatial import ConvexHull, QhullError, cKDTree

from footfit._core.gridsearch import grid_knn, grid_pairs
from footfit._core.hull import convex_hull_2d, hull_2d_or_none
from footfit.exceptions import DegenerateScanError


def _clouds(rng):
    yield rng.normal(size=(3, 2))
    yield rng.normal(size=(7, 2))
    yield rng.normal(size=(200, 2)) * [60.0, 25.0]
    yield rng.uniform(-1, 1, size=(5000, 2))
    t = rng.uniform(0, 2 * np.pi, 3000)  # a noisy section outline: most points near the hull
    yield np.column_stack([50 * np.cos(t), 30 * np.sin(t)]) + rng.normal(0, 0.3, (3000, 2))
    yield rng.normal(size=(40000, 2)) * [80.0, 30.0] + [100.0, -200.0]


def test_hull_same_vertices_as_qhull():
    rng = np.random.default_rng(0)
    for xy in _clouds(rng):
        h = hull_2d_or_none(xy)
        ref = ConvexHull(xy)
        assert sorted(h.vertices.tolist()) == sorted(ref.vertices.tolist())
        # counter-clockwise, as ConvexHull.vertices
        v = xy[h.vertices]
        w = np.roll(v, -1, axis=0)
        assert np.sum(v[:, 0] * w[:, 1] - w[:, 0] * v[:, 1]) > 0
        assert h.perimeter == pytest.approx(ref.area, rel=1e-12)
        assert h.area == pytest.approx(ref.volume, rel=1e-12)
        # the edge equations hold every point inside
        assert (xy @ h.equations[:, :2].T + h.equations[:, 2] <= 1e-9).all()


def test_hull_equations_match_qhull_halfplanes():
    rng = np.random.default_rng(1)
    xy = rng.normal(size=(500, 2))
    h = convex_hull_2d(xy)
    ref = ConvexHull(xy).equations
    key = lambda e: tuple(np.round(e, 9))  # noqa: E731
    assert sorted(map(key, h.equations)) == sorted(map(key, ref))


@pytest.mark.parametrize("xy", [
    np.zeros((0, 2)), np.zeros((2, 2)), np.ones((10, 2)),
    np.column_stack([np.arange(10.0), 2 * np.arange(10.0)]),
    np.array([[0.0, 0.0], [1.0, 0.0], [np.nan, 1.0]]),
])
def test_hull_degenerate(xy):
    assert hull_2d_or_none(xy) is None
    with pytest.raises(DegenerateScanError, match="collinear"):
        convex_hull_2d(xy)
    if len(xy) >= 3 and np.isfinite(xy).all():
        with pytest.raises(QhullError):
            ConvexHull(xy)


def test_hull_drops_collinear_edge_points():
    xy = np.array([[0, 0], [1, 0], [2, 0], [2, 1], [2, 2], [0, 2], [1, 1]], dtype=float)
    h = convex_hull_2d(xy)
    assert sorted(h.vertices.tolist()) == sorted(ConvexHull(xy).vertices.tolist()) == [0, 2, 4, 5]


def _surface(rng, n):
    """Points on an ellipsoid-like surface with noise (a scan's shape, not a blob)."""
    u = rng.normal(size=(n, 3))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    return u * [120.0, 45.0, 40.0] + rng.normal(0, 0.2, (n, 3))


@pytest.mark.parametrize("n", [1, 17, 300, 20000])
@pytest.mark.parametrize("k", [1, 5, 17])
def test_grid_knn_equals_ckdtree(n, k):
    rng = np.random.default_rng(n + k)
    p = _surface(rng, n)
    k = min(k, n)
    q = np.concatenate([p[rng.choice(n, min(n, 700), replace=False)],
                        rng.normal(0, 80, (50, 3))])  # and queries off the surface
    d, i = grid_knn(p, q, k)
    dr, ir = cKDTree(p).query(q, k=k)
    dr, ir = dr.reshape(len(q), k), ir.reshape(len(q), k)
    np.testing.assert_array_equal(d, dr)  # the same rounding: bit for bit
    ties = np.isclose(d[:, :, None], d[:, None, :]).sum(axis=2) > 1
    assert (i[~ties] == ir[~ties]).all()


def test_knn_takes_the_loaded_kdtree_with_the_same_answer():
    # this module imported scipy.spatial: knn asks the k-d tree (k of 1 included, as 2-D
    # arrays), and its distances are grid_knn's
    from footfit._core.gridsearch import knn

    rng = np.random.default_rng(4)
    p = _surface(rng, 3000) * 50.0
    for k in (1, 7):
        d, i = knn(p, p[::11], k)
        dg, _ = grid_knn(p, p[::11], k)
        assert d.shape == i.shape == (len(p[::11]), k)
        np.testing.assert_array_equal(d, dg)


def test_grid_knn_clustered_and_2d():
    rng = np.random.default_rng(5)
    # one dense clump and sparse strays: the default cell suits neither everywhere
    p = np.concatenate([rng.normal(0, 0.5, (5000, 3)), rng.uniform(-500, 500, (50, 3))])
    d, _ = grid_knn(p, p[::7], 9)
    np.testing.assert_array_equal(d, cKDTree(p).query(p[::7], k=9)[0])
    p2 = rng.uniform(0, 10, (3000, 2))
    d2, _ = grid_knn(p2, p2[:100], 4, cell=0.05)  # a cell far too small still answers right
    np.testing.assert_array_equal(d2, cKDTree(p2).query(p2[:100], k=4)[0])


def test_grid_knn_bad_arguments():
    with pytest.raises(ValueError, match="k"):
        grid_knn(np.zeros((3, 3)), np.zeros((1, 3)), 4)
    with pytest.raises(ValueError, match="points"):
        grid_knn(np.zeros((0, 3)), np.zeros((1, 3)), 1)


@pytest.mark.parametrize("r", [0.05, 0.2, 0.7])
def test_grid_pairs_equals_query_pairs(r):
    rng = np.random.default_rng(7)
    p = rng.normal(size=(1500, 3))
    p /= np.linalg.norm(p, axis=1, keepdims=True)
    got = grid_pairs(p, r)
    ref = cKDTree(p).query_pairs(r, output_type="ndarray")
    ref = ref[np.lexsort((ref[:, 1], ref[:, 0]))]
    np.testing.assert_array_equal(got, ref)
    assert grid_pairs(p[:1], r).shape == (0, 2)


def _facet_geometry(p, simplices, equations):
    tri = p[simplices]
    area = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    return area.sum(), (equations[:, :3] * area[:, None]).sum(axis=0)


@pytest.mark.parametrize("kind", ["blob", "surface", "foot-like", "grid"])
def test_hull_3d_equals_qhull(kind):
    rng = np.random.default_rng(11)
    if kind == "blob":
        p = rng.normal(size=(3000, 3))
    elif kind == "surface":
        p = _surface(rng, 3000)
    elif kind == "foot-like":  # a flat sole sheet (coplanar within noise) under a dome
        sole = np.column_stack([rng.uniform(0, 250, 1500), rng.uniform(0, 90, 1500),
                                rng.normal(0, 0.05, 1500)])
        p = np.concatenate([sole, _surface(rng, 2000) * [1, 1, 1.5] + [125, 45, 0]])
    else:  # exactly coplanar points on every face of a box: degenerate for both
        g = np.stack(np.meshgrid(*[np.arange(5.0)] * 3, indexing="ij"), -1).reshape(-1, 3)
        p = g
    from footfit._core.hull import convex_hull_3d

    h = convex_hull_3d(p, method="numpy")  # scipy is imported here: "auto" would be Qhull
    ref = ConvexHull(p)
    area, moment = _facet_geometry(p, h.simplices, h.equations)
    ref_area, ref_moment = _facet_geometry(p, ref.simplices, ref.equations)
    assert area == pytest.approx(ref_area, rel=1e-9)
    np.testing.assert_allclose(moment, ref_moment, atol=1e-6 * ref_area)
    # outward normals: every point inside every facet
    assert (p @ h.equations[:, :3].T + h.equations[:, 3] <= 1e-9 * np.abs(p).max()).all()
    if kind != "grid":  # on exactly coplanar faces the vertex sets may differ (both valid)
        np.testing.assert_array_equal(h.vertices, np.sort(ref.vertices))
    else:
        assert set(h.vertices.tolist()) >= {0, 4, 20, 24, 100, 104, 120, 124}  # the corners


@pytest.mark.parametrize("p", [
    np.zeros((3, 3)), np.ones((10, 3)),
    np.column_stack([np.arange(10.0)] * 3),
    np.column_stack([np.arange(10.0), np.arange(10.0) ** 2, np.zeros(10)]),
])
def test_hull_3d_degenerate(p):
    from footfit._core.hull import convex_hull_3d

    for method in ("numpy", "qhull", "auto"):
        with pytest.raises(DegenerateScanError):
            convex_hull_3d(p, method=method)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hull_3d_qhull_path_equals_numpy(seed):
    # a process that has imported scipy.spatial takes Qhull: same vertices, facets turned
    # ccw from outside like the numpy hull's, same total area
    from footfit._core.hull import convex_hull_3d

    rng = np.random.default_rng(seed)
    p = _surface(rng, 2000) * [120, 45, 60] + rng.normal(0, 0.3, (2000, 3))
    a = convex_hull_3d(p, method="numpy")
    b = convex_hull_3d(p)  # auto: scipy.spatial is imported by this test module
    np.testing.assert_array_equal(a.vertices, b.vertices)
    for h in (a, b):
        tri = p[h.simplices]
        n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
        assert (np.einsum("ij,ij->i", n, h.equations[:, :3]) > 0).all()
    area_a, _ = _facet_geometry(p, a.simplices, a.equations)
    area_b, _ = _facet_geometry(p, b.simplices, b.equations)
    assert area_a == pytest.approx(area_b, rel=1e-9)


def test_hull_with_repeated_points():
    # a mesh section repeats the points where it crosses an edge shared by two faces
    rng = np.random.default_rng(9)
    t = np.sort(rng.uniform(0, 2 * np.pi, 300))
    xy = np.column_stack([50 * np.cos(t), 25 * np.sin(t)])
    xy = np.concatenate([xy, xy[::3], xy[1::3] + 1e-13, rng.normal(0, 5, (100, 2))])
    h = convex_hull_2d(xy)
    ref = ConvexHull(xy)
    assert h.perimeter == pytest.approx(ref.area, rel=1e-12)
    # the same corners, up to which copy of a repeated point stands for it
    np.testing.assert_allclose(np.sort(np.round(xy[h.vertices], 9), axis=0),
                               np.sort(np.round(xy[ref.vertices], 9), axis=0))
