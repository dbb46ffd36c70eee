"""footfit's stages timed beside their natural library equivalents, in the same run.

Each case returns ``ours_ms``, ``library_ms`` (medians), ``speedup`` (library / ours, above 1
means footfit is faster) and a note on what was compared. Where the library is faster and
right, footfit should use it: the table says so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from footfit.bench import _median_ms

__all__ = ["run_all"]


def _case(ours: float, lib: float, note: str, **extra: Any) -> dict[str, Any]:
    speedup = lib / ours if ours > 0 else float("nan")
    return {"ours_ms": ours, "library_ms": lib, "speedup": speedup, "note": note, **extra}


def ratio_floor(points: np.ndarray, repeat: int) -> dict[str, Any]:
    """Floor plane: footfit's vectorized RANSAC vs open3d ``segment_plane``, same points."""
    import open3d as o3d

    from footfit.clean import fit_plane_ransac

    rng = np.random.default_rng(0)
    sub = points[rng.choice(len(points), size=min(len(points), 20_000), replace=False)]
    pcd = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(sub))
    ours = _median_ms(lambda: fit_plane_ransac(sub, threshold=1.5, n_hypotheses=256, rng=0),
                      repeat)
    lib = _median_ms(lambda: pcd.segment_plane(distance_threshold=1.5, ransac_n=3,
                                               num_iterations=256), repeat)
    plane_ours, _ = fit_plane_ransac(sub, threshold=1.5, n_hypotheses=256, rng=0)
    plane_lib, _ = pcd.segment_plane(distance_threshold=1.5, ransac_n=3, num_iterations=256)
    cos = abs(float(np.dot(np.asarray(plane_ours[:3]), np.asarray(plane_lib[:3]))))
    return _case(ours, lib, "20k-point decision set, 256 hypotheses each",
                 normal_agreement_deg=float(np.degrees(np.arccos(min(1.0, cos)))))


def ratio_isolation(points: np.ndarray, repeat: int) -> dict[str, Any]:
    """Whole isolation (floor, outliers, background, leg, split) vs the open3d recipe.

    The recipe is the usual one: ``segment_plane`` on every point, drop the inliers, then
    ``remove_statistical_outlier``. It does less (no leg cut, no foot split, and it eats the
    sole with the floor), so the ratio flatters the library.
    """
    import open3d as o3d

    from footfit.clean import isolate_feet

    def recipe() -> None:
        pcd = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(points))
        _, inliers = pcd.segment_plane(distance_threshold=1.5, ransac_n=3, num_iterations=256)
        rest = pcd.select_by_index(inliers, invert=True)
        rest.remove_statistical_outlier(nb_neighbors=20, std_ratio=2.0)

    ours = _median_ms(lambda: isolate_feet(points, rng=0), repeat)
    lib = _median_ms(recipe, repeat)
    return _case(ours, lib, f"{len(points)} points; the recipe does less (see docstring)")


def ratio_outliers(points: np.ndarray, repeat: int) -> dict[str, Any]:
    """Time outlier filtering against open3d.

    Footfit's isolation (voxel-density outliers included) vs open3d
    ``remove_statistical_outlier`` alone on the same cloud.
    """
    import open3d as o3d

    from footfit.clean import isolate_feet

    pcd = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(points))
    ours = _median_ms(lambda: isolate_feet(points, rng=0), repeat)
    lib = _median_ms(lambda: pcd.remove_statistical_outlier(nb_neighbors=20, std_ratio=2.0),
                     repeat)
    return _case(ours, lib, "ours is the whole isolation stage; open3d only the outlier filter")


def ratio_girth(repeat: int) -> dict[str, Any]:
    """Girth: footfit's slab + hull on points vs trimesh mesh section + convex hull."""
    import trimesh
    from scipy.spatial import ConvexHull

    from footfit.measure.sections import plane_section
    from footfit.synth import make_foot_mesh, sample_population

    mesh = make_foot_mesh(sample_population(1, rng=0)[0])
    pts, _ = trimesh.sample.sample_surface_even(mesh, 200_000, seed=0) \
        if hasattr(trimesh.sample, "sample_surface_even") else (mesh.sample(200_000), None)
    pts = np.asarray(pts, dtype=np.float64)
    L = float(mesh.bounds[1][1])
    origin = np.array([0.0, 0.7 * L, 0.0])
    normal = np.array([0.0, 1.0, 0.0])

    def lib() -> float:
        sec = mesh.section(plane_origin=origin, plane_normal=normal)
        planar, _ = sec.to_2D()
        verts = np.asarray(planar.vertices)
        hull = ConvexHull(verts)
        ring = verts[hull.vertices]
        return float(np.linalg.norm(np.diff(np.vstack([ring, ring[:1]]), axis=0), axis=1).sum())

    ours_val = plane_section(pts, origin, normal).perimeter_mm
    lib_val = lib()
    ours = _median_ms(lambda: plane_section(pts, origin, normal), repeat)
    lib_ms = _median_ms(lib, repeat)
    return _case(ours, lib_ms, "vertical section at 70 % FL; ours on 200k points, trimesh on "
                 "the exact mesh", ours_mm=float(ours_val), trimesh_mm=lib_val)


class _DistanceIndex:
    """A library neighbour index behind the matcher's ``distances(q)`` interface."""

    def __init__(self, x: np.ndarray, metric: str, kind: str) -> None:
        self.n = x.shape[0]
        self.kind = kind
        if kind == "sklearn":
            from sklearn.neighbors import NearestNeighbors

            # kd_tree: what footfit used before (its brute path starts an OpenMP pool)
            self.index = NearestNeighbors(n_neighbors=self.n, algorithm="kd_tree",
                                          metric=metric).fit(x)
        else:
            from scipy.spatial import cKDTree

            self.p = 2 if metric == "euclidean" else 1
            self.index = cKDTree(x)

    def distances(self, q: np.ndarray) -> np.ndarray:
        if self.kind == "sklearn":
            d, pos = self.index.kneighbors(q, n_neighbors=self.n)
        else:
            d, pos = self.index.query(q, k=self.n, p=self.p)
            d, pos = d.reshape(len(q), -1), pos.reshape(len(q), -1)
        out = np.zeros_like(d)
        np.put_along_axis(out, pos, d, axis=1)
        return out


def _library_matcher(kind: str) -> Any:
    from footfit.insoles import InsoleMatcher

    class LibraryMatcher(InsoleMatcher):
        def _make_index(self, x: np.ndarray) -> Any:
            return _DistanceIndex(x, self.metric, kind)

    return LibraryMatcher().fit()


def ratio_knn_batch(repeat: int) -> dict[str, Any]:
    """Time the insole k-NN for 10,000 feet against scikit-learn and scipy.

    ``match_many`` with footfit's numpy search vs the same matcher on scikit-learn
    ``NearestNeighbors`` (kd-tree) and on scipy ``cKDTree`` indexes.
    """
    from footfit.insoles import InsoleMatcher
    from footfit.synth import sample_population_arrays

    feet = sample_population_arrays(10_000, rng=0)
    ours_m = InsoleMatcher().fit()
    sk_m = _library_matcher("sklearn")
    kd_m = _library_matcher("ckdtree")
    a, b, c = ours_m.match_many(feet), sk_m.match_many(feet), kd_m.match_many(feet)
    same = bool(np.array_equal(a.indices, b.indices) and np.array_equal(a.indices, c.indices))
    ours = _median_ms(lambda: ours_m.match_many(feet), repeat)
    lib = _median_ms(lambda: sk_m.match_many(feet), repeat)
    kd = _median_ms(lambda: kd_m.match_many(feet), repeat)
    return _case(ours, lib, "10,000 feet, whole match_many; library = scikit-learn kd-tree "
                 f"(scipy cKDTree {kd:.1f} ms); same matches: {same}",
                 ckdtree_ms=kd, same_matches=same)


def ratio_knn_single(repeat: int) -> dict[str, Any]:
    """Time one query against one group of the insole matcher.

    What ``footfit process`` does per foot: footfit's numpy search vs scikit-learn kd-tree and
    scipy cKDTree.
    """
    from sklearn.neighbors import NearestNeighbors

    from footfit.insoles import InsoleMatcher

    matcher = InsoleMatcher().fit()
    nn, rows = max(matcher.nn_.values(), key=lambda v: v[1].size)
    x = nn._cols
    q = x[:1] + 0.05
    k = min(3, x.shape[0])
    sk = NearestNeighbors(n_neighbors=k, algorithm="kd_tree").fit(x)
    from scipy.spatial import cKDTree

    tree = cKDTree(x)
    ours = _median_ms(lambda: nn.kneighbors(q, k), 10 * repeat)
    lib = _median_ms(lambda: sk.kneighbors(q), 10 * repeat)
    kd = _median_ms(lambda: tree.query(q, k), 10 * repeat)
    return _case(ours, lib, f"1 query, largest group ({x.shape[0]} devices); library = "
                 f"scikit-learn kd-tree (scipy cKDTree {kd:.3f} ms)", ckdtree_ms=kd)


def ratio_knn_stock(repeat: int) -> dict[str, Any]:
    """Time the nearest-stock-last search against scikit-learn and scipy.

    Footfit's numpy search over a style's lasts (index built once) vs scikit-learn brute-force
    ``NearestNeighbors`` and scipy cKDTree, one query.
    """
    from scipy.spatial import cKDTree
    from sklearn.neighbors import NearestNeighbors

    from footfit._core.knn import BruteNeighbors
    from footfit.last.stock import _matching, load_stock_lasts

    lib_rows = load_stock_lasts().select("sport")
    cfg = _matching()
    feats = tuple(cfg["features"])
    w = np.array([float(cfg["features"][f]) for f in feats])
    x = np.array([[r[f] for f in feats] for r in lib_rows], dtype=np.float64) * w
    q = x[len(x) // 2:len(x) // 2 + 1] * 1.01
    ours_nn = BruteNeighbors(n_neighbors=3).fit(x)
    sk = NearestNeighbors(n_neighbors=3, algorithm="brute").fit(x)
    tree = cKDTree(x)
    ours = _median_ms(lambda: ours_nn.kneighbors(q), 10 * repeat)
    lib = _median_ms(lambda: sk.kneighbors(q), 10 * repeat)
    kd = _median_ms(lambda: tree.query(q, 3), 10 * repeat)
    return _case(ours, lib, f"1 query, {len(x)} sport lasts x {len(feats)} features; library = "
                 f"scikit-learn brute (scipy cKDTree {kd:.3f} ms)", ckdtree_ms=kd)


def run_all(scan_path: str | Path, *, repeat: int = 7) -> dict[str, Any]:
    """Run every ratio case on the 200k-point bench scan; a case that fails says why."""
    from footfit.io import load_scan

    points = load_scan(scan_path).points
    cases: dict[str, Callable[[], dict[str, Any]]] = {
        "floor_plane_vs_open3d_segment_plane": lambda: ratio_floor(points, repeat),
        "isolation_vs_open3d_recipe": lambda: ratio_isolation(points, repeat),
        "isolation_vs_open3d_statistical_outlier": lambda: ratio_outliers(points, repeat),
        "girth_vs_trimesh_section_hull": lambda: ratio_girth(repeat),
        "insole_knn_10k_feet_vs_sklearn": lambda: ratio_knn_batch(repeat),
        "insole_knn_one_query_vs_sklearn": lambda: ratio_knn_single(repeat),
        "stock_last_knn_vs_sklearn": lambda: ratio_knn_stock(repeat),
    }
    out: dict[str, Any] = {}
    for name, fn in cases.items():
        try:
            out[name] = fn()
        except Exception as exc:  # noqa: BLE001 - report, do not hide, a broken case
            out[name] = {"ours_ms": float("nan"), "library_ms": float("nan"),
                         "speedup": float("nan"), "note": f"failed: {type(exc).__name__}: {exc}"}
    return out
