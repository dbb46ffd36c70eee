"""footfit's stages timed beside their natural library equivalents, in the same run.

Each case returns ``ours_ms``, ``library_ms`` (medians), ``speedup`` (library / ours, above 1
means footfit is faster) and a note on what was compared. Where the library is faster and
right, footfit should use it: the table says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["run_all"]


def _median_ms(fn: Callable[[], Any], repeat: int) -> float:
    fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(out))


def _case(ours: float, lib: float, note: str, **extra: Any) -> dict[str, Any]:
    speedup = lib / ours if ours > 0 else float("nan")
    return {"ours_ms": ours, "library_ms": lib, "speedup": speedup, "note": note, **extra}


def ratio_floor(points: np.ndarray, repeat: int) -> dict[str, Any]:
    """Floor plane: footfit's vectorized RANSAC vs open3d ``segment_plane``, same points."""
    import open3d as o3d

    from ..clean import fit_plane_ransac

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

    from ..clean import isolate_feet

    def recipe() -> None:
        pcd = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(points))
        _, inliers = pcd.segment_plane(distance_threshold=1.5, ransac_n=3, num_iterations=256)
        rest = pcd.select_by_index(inliers, invert=True)
        rest.remove_statistical_outlier(nb_neighbors=20, std_ratio=2.0)

    ours = _median_ms(lambda: isolate_feet(points, rng=0), repeat)
    lib = _median_ms(recipe, repeat)
    return _case(ours, lib, f"{len(points)} points; the recipe does less (see docstring)")


def ratio_outliers(points: np.ndarray, repeat: int) -> dict[str, Any]:
    """Outlier filtering: footfit's isolation (voxel-density outliers included) vs open3d
    ``remove_statistical_outlier`` alone on the same cloud."""
    import open3d as o3d

    from ..clean import isolate_feet

    pcd = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(points))
    ours = _median_ms(lambda: isolate_feet(points, rng=0), repeat)
    lib = _median_ms(lambda: pcd.remove_statistical_outlier(nb_neighbors=20, std_ratio=2.0),
                     repeat)
    return _case(ours, lib, "ours is the whole isolation stage; open3d only the outlier filter")


def ratio_girth(repeat: int) -> dict[str, Any]:
    """Girth: footfit's slab + hull on points vs trimesh mesh section + convex hull."""
    import trimesh
    from scipy.spatial import ConvexHull

    from ..measure.sections import plane_section
    from ..synth import make_foot_mesh, sample_population

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


def ratio_knn(repeat: int) -> dict[str, Any]:
    """Insole k-NN: InsoleMatcher.match_many vs a brute-force numpy search of one query set."""
    from ..insoles import InsoleMatcher
    from ..synth import sample_population_arrays

    matcher = InsoleMatcher().fit()
    feet = sample_population_arrays(10_000, rng=0)
    ours = _median_ms(lambda: matcher.match_many(feet), repeat)

    X = np.column_stack([feet["foot_length_mm"], feet["ball_width_mm"], feet["heel_width_mm"]])
    C = X[np.random.default_rng(1).choice(len(X), 420, replace=False)]

    def brute() -> None:
        d = ((X[:, None, :] - C[None, :, :]) ** 2).sum(-1)
        np.argpartition(d, 3, axis=1)[:, :3]

    lib = _median_ms(brute, repeat)
    return _case(ours, lib, "10,000 feet; ours includes constraints, grouping and scores, "
                 "brute force only the distances over 420 devices")


def run_all(scan_path: str | Path, *, repeat: int = 7) -> dict[str, Any]:
    """Run every ratio case on the 200k-point bench scan; a case that fails says why."""
    from ..io import load_scan

    points = load_scan(scan_path).points
    cases: dict[str, Callable[[], dict[str, Any]]] = {
        "floor_plane_vs_open3d_segment_plane": lambda: ratio_floor(points, repeat),
        "isolation_vs_open3d_recipe": lambda: ratio_isolation(points, repeat),
        "isolation_vs_open3d_statistical_outlier": lambda: ratio_outliers(points, repeat),
        "girth_vs_trimesh_section_hull": lambda: ratio_girth(repeat),
        "insole_knn_vs_bruteforce_numpy": lambda: ratio_knn(repeat),
    }
    out: dict[str, Any] = {}
    for name, fn in cases.items():
        try:
            out[name] = fn()
        except Exception as exc:  # noqa: BLE001 - report, do not hide, a broken case
            out[name] = {"ours_ms": float("nan"), "library_ms": float("nan"),
                         "speedup": float("nan"), "note": f"failed: {type(exc).__name__}: {exc}"}
    return out
