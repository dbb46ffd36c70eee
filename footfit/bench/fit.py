"""Speed of the fitting simulation (issue 9): one foot in one last, and sizing by simulation.

Targets of the issue: one :func:`footfit.fit.simulate_fit` of a 50k-point foot under 50 ms,
and :func:`footfit.fit.size_by_simulation` over every candidate stock size under 300 ms.
Nothing here asserts a time; the figures are medians over repeated runs in one process.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from footfit.bench import _median_ms
from footfit.exceptions import InvalidParameterError

__all__ = ["bench_fit", "bench_last_fit_realscan"]

#: Targets of issue 9 (ms), and issue 15's for the whole fit stage of one foot (custom last
#: built from the scan, the foot tried in it, sized by simulation on the stock lasts).
TARGETS_MS = {"simulate_fit": 50.0, "size_by_simulation": 300.0, "fit_stage": 150.0}


def _synthetic_foot(n_points: int, rng: np.random.Generator) -> tuple[Any, Any, str]:
    """Return a synthetic foot sampled with ``n_points`` surface points, right-foot frame."""
    import trimesh

    from footfit.measure import measure_foot
    from footfit.synth import sample_population
    from footfit.synth.model import make_foot_mesh

    fp = sample_population(1, rng=rng)[0]
    mesh = make_foot_mesh(fp, resolution_mm=2.0)
    seed = int(rng.integers(2**31 - 1))
    pts, _ = trimesh.sample.sample_surface(mesh, int(n_points * 1.4), seed=seed)
    pts = pts[pts[:, 2] <= 100.0][:n_points]
    if fp.side == "left":
        pts[:, 0] *= -1.0
    return pts, measure_foot(pts, side="right").measurements, fp.sex


def _fit_stage(pts: Any, meas: Any, sex: str | None, style: str,
               repeats: int) -> dict[str, float]:
    """Return the median ms of the fit stage of one foot as ``FootFitter.process`` runs it.

    The custom last built from the scan, then :func:`footfit.fit.fit_foot` (the foot in
    it, and sized by simulation on the stock lasts, whose meshes are cached after the first
    call).
    """
    from footfit.fit import fit_foot
    from footfit.last import build_custom_last, generate_last

    params = generate_last(meas, style=style, sex=sex)
    custom = build_custom_last(pts, params)
    fit_foot(pts, custom, measurements=meas)  # warm: stock meshes built once per process
    return {
        "custom_last_ms": _median_ms(lambda: build_custom_last(pts, params), repeats),
        "fit_stage_ms": _median_ms(lambda: fit_foot(pts, custom, measurements=meas), repeats),
    }


def _real_shaped_foot(n_points: int, rng: np.random.Generator) -> tuple[Any, Any, str] | None:
    """Return the orbbec 6-view left foot resampled to ``n_points`` with 0.3 mm noise.

    From ../shared/realscans or $FOOTFIT_REALSCANS; None when the real scans are absent.
    """
    from footfit.align import align_foot
    from footfit.bench.realshaped import realscans_dir
    from footfit.clean import isolate_feet
    from footfit.io import load_scan
    from footfit.measure import measure_foot

    root = realscans_dir()
    path = None if root is None else root / "orbbec-6view" / "left.asc"
    if path is None or not path.is_file():
        return None
    scan = load_scan(path)
    iso = isolate_feet(scan.points, normals=scan.normals, rng=0)
    foot = align_foot(iso.feet[0], up=iso.up, floor_plane=iso.floor_plane)
    idx = rng.choice(len(foot.points), n_points, replace=len(foot.points) < n_points)
    pts = foot.points[idx] + rng.normal(0.0, 0.3, (n_points, 3))
    return pts, measure_foot(foot).measurements, "male"


def bench_fit(*, repeats: int = 7, rng: np.random.Generator | int | None = None,
              n_points: int = 60_000, style: str = "sport") -> dict[str, Any]:
    """Time the fitting simulation on a synthetic foot (medians in ms).

    Parameters
    ----------
    repeats : int, default=7
        Timed runs per case (after one warm-up run).
    rng : numpy.random.Generator, int or None, default=None
        Draws the synthetic foot and its surface sample.
    n_points : int, default=50000
        Points of the foot.
    style : str, default='sport'
        Style of the custom last and of the stock lasts tried.

    Returns
    -------
    dict
        ``simulate_fit_ms`` (prepared foot and last, default clearance method: 2 mm cells
        above 20k points), ``simulate_fit_exact_ms`` (``cell_mm=0``, every point queried),
        ``size_by_simulation_ms`` (every candidate stock size and width type around the
        formula last, stock meshes cached as in a running service), ``prepare_foot_ms``,
        ``prepare_last_ms`` (mesh build + ray-casting scene), ``n_points``,
        ``n_candidates``, ``custom_last_ms`` and ``fit_stage_ms`` (issue 15: the custom
        last built from the scan, and the foot tried in it and sized on the stock lasts, warm),
        ``real_custom_last_ms`` / ``real_fit_stage_ms`` on the orbbec left foot resampled to
        60k points (when the real scans are present), ``targets_ms`` and ``meets_targets``.
    """
    from footfit.fit import prepare_foot, prepare_last, simulate_fit, size_by_simulation
    from footfit.last import generate_last

    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or repeats < 1:
        raise InvalidParameterError(f"`repeats` must be an int >= 1; got {repeats!r}")
    gen = np.random.default_rng(rng)
    pts, meas, sex = _synthetic_foot(n_points, gen)
    params = generate_last(meas, style=style, sex=sex)
    pf = prepare_foot(pts)
    pl = prepare_last(params)
    out: dict[str, Any] = {
        "n_points": len(pf.points),
        "simulate_fit_ms": _median_ms(lambda: simulate_fit(pf, pl), repeats),
        "simulate_fit_exact_ms": _median_ms(lambda: simulate_fit(pf, pl, cell_mm=0.0),
                                            repeats),
        "prepare_foot_ms": _median_ms(lambda: prepare_foot(pts), repeats),
        "prepare_last_ms": _median_ms(lambda: prepare_last(params), max(1, repeats // 2)),
    }
    sizing = size_by_simulation(pf, params)  # builds and caches the stock meshes
    out["n_candidates"] = len(sizing.candidates)
    out["size_by_simulation_ms"] = _median_ms(lambda: size_by_simulation(pf, params), repeats)
    out.update(_fit_stage(pts, meas, sex, style, repeats))
    real = _real_shaped_foot(n_points, gen)
    if real is not None:
        out.update({f"real_{k}": v for k, v in _fit_stage(*real, style, repeats).items()})
    out["targets_ms"] = dict(TARGETS_MS)
    out["meets_targets"] = {name: bool(out[f"{name}_ms"] < limit)
                            for name, limit in TARGETS_MS.items()}
    return out


def _times(fn: Any, repeats: int) -> dict[str, float]:
    """Return the min and median wall and CPU ms of ``repeats`` calls (after one warm-up)."""
    import time

    fn()
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    return {"wall_min": min(wall), "wall_median": float(np.median(wall)),
            "cpu_min": min(cpu), "cpu_median": float(np.median(cpu))}


def bench_last_fit_realscan(*, repeats: int = 9) -> dict[str, Any]:
    """Time the last and fit stages on the orbbec left foot as ``footfit process`` runs them.

    CPU time beside wall time: on the shared 2-core machine the wall time of a stage grows
    with the other processes' load, its CPU time much less (process time counts every
    thread: run with one BLAS thread to compare versions).

    Parameters
    ----------
    repeats : int, default=9
        Timed calls per case.

    Returns
    -------
    dict
        ``custom_last``, ``fit_foot``, ``simulate_fit_custom`` (the foot's 1.5 mm working
        set in its own custom last) and ``size_by_simulation`` (9 stock lasts), each with
        ``wall_min``, ``wall_median``, ``cpu_min``, ``cpu_median`` (ms); ``n_points``;
        or ``{"skipped": why}`` without the real scans.
    """
    from footfit._data import load_table
    from footfit.align import align_foot
    from footfit.bench.realshaped import realscans_dir
    from footfit.clean import isolate_feet
    from footfit.fit import fit_foot, prepare_foot, simulate_fit, size_by_simulation
    from footfit.io import load_scan
    from footfit.last import build_custom_last, generate_last
    from footfit.measure import measure_foot

    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or repeats < 1:
        raise InvalidParameterError(f"`repeats` must be an int >= 1; got {repeats!r}")
    root = realscans_dir()
    path = None if root is None else root / "orbbec-6view" / "left.asc"
    if path is None or not path.is_file():
        return {"skipped": "real scans not found (set FOOTFIT_REALSCANS)"}
    scan = load_scan(path)
    iso = isolate_feet(scan.points, normals=scan.normals, rng=0)
    foot = align_foot(iso.feet[0], up=iso.up, floor_plane=iso.floor_plane)
    meas = measure_foot(foot).measurements
    params = generate_last(meas, style="sport", sex="male")
    custom = build_custom_last(foot, params)
    cell = float(load_table("fit_zones.json")["simulation"]["working_cell_mm"])
    pf = prepare_foot(foot, cell_mm=cell)
    return {
        "n_points": len(foot.points), "n_working_points": len(pf.points),
        "custom_last": _times(lambda: build_custom_last(foot, params), repeats),
        "fit_foot": _times(lambda: fit_foot(foot, custom, measurements=meas), repeats),
        "simulate_fit_custom": _times(lambda: simulate_fit(pf, custom, measurements=meas),
                                      repeats),
        "size_by_simulation": _times(lambda: size_by_simulation(pf, custom.params), repeats),
    }
