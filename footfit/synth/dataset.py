"""Write synthetic scans with their ground truth (``NAME.<fmt>`` + ``NAME.truth.json``)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from footfit._core.validation import check_choice
from footfit.exceptions import InvalidParameterError
from footfit.synth.params import FootParams
from footfit.synth.population import sample_population
from footfit.synth.reference import reference_measurements
from footfit.synth.scanner import UNIT_SCALE, _random_rotation, simulate_scan

__all__ = ["SCAN_FORMATS", "arch_class", "generate_dataset", "truth_record",
           "write_synthetic_scan"]

SCAN_FORMATS = ("ply", "pcd", "xyz", "stl")
#: Arch-index class boundaries of DOMAIN.md section 3 (Cavanagh & Rodgers 1987).
_AI_HIGH, _AI_FLAT = 0.21, 0.26
#: STL scans: mesh resolution and the cut height of an Aetrex-like export.
_STL_RESOLUTION_MM, _STL_TOP_MM = 4.5, 102.0
#: Decimals written per unit (0.001 mm or finer).
_DECIMALS = {"mm": 3, "cm": 4, "m": 6, "in": 5}


def arch_class(arch_index: float | None) -> str | None:
    """Arch class of an arch index with DOMAIN.md's cut-offs (<= 0.21 high, >= 0.26 flat)."""
    if arch_index is None:
        return None
    return "high" if arch_index <= _AI_HIGH else "flat" if arch_index >= _AI_FLAT else "normal"


def truth_record(mesh, *, side: str, params: FootParams | None, transform) -> dict[str, Any]:
    """Ground-truth entry of one foot: reference measurements on its exact clean mesh."""
    ref = reference_measurements(mesh, side=side)
    return {
        "side": side,
        "sex": params.sex if params else None,
        "params": params.to_dict() if params else None,
        "measurements": ref["measurements"],
        "missing": ref["missing"],
        "arch_type": arch_class(ref["measurements"]["arch_index"]),
        "landmarks": ref["landmarks"],
        "footprint": ref["footprint"],
        "leg_cut_mm": ref["leg_cut_mm"],
        "transform_canonical_mm_to_file": np.asarray(transform, float).round(12).tolist(),
    }


def _version() -> str:
    from footfit import __version__

    return __version__


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def write_synthetic_scan(
    params: FootParams,
    path: str | os.PathLike,
    *,
    format: str | None = None,
    seed: int | None = None,
    command: str | None = None,
    rng: np.random.Generator | int | None = None,
    **scan_options: Any,
) -> tuple[Path, Path]:
    """Simulate a scan of the foot ``params``, write it and its ``.truth.json``.

    Parameters
    ----------
    params : FootParams
        The (first) foot.
    path : path
        Scan file; its extension gives the format unless ``format`` is given.
    format : {'ply', 'pcd', 'xyz', 'stl'}, optional
        ``stl`` writes a closed mesh like a retail scanner's export (resolution 4.5 mm, cut
        at 102 mm, posed and in ``units``) instead of a point cloud; its truth is measured
        on that very mesh.
    seed : int, optional
        Recorded in the truth file (``generator.seed``).
    command : str, optional
        Recorded in the truth file (``generator.command``).
    rng : numpy.random.Generator, int or None
        Randomness of the scan (defaults to ``seed``).
    **scan_options
        Passed to :func:`footfit.synth.simulate_scan` (``n_points``, ``noise_mm``,
        ``plantar``, ``floor``, ``leg``, ``outliers``, ``holes``, ``second_foot``, ``pose``,
        ``units``).

    Returns
    -------
    scan_path, truth_path : pathlib.Path
    """
    path = Path(path)
    fmt = format or path.suffix.lower().lstrip(".")
    check_choice(fmt, SCAN_FORMATS, name="format")
    rng = np.random.default_rng(seed if rng is None else rng)
    name = path.name[: -len(path.suffix)] if path.suffix else path.name
    truth_path = path.with_name(name + ".truth.json")
    if fmt == "stl":
        scan, feet = _write_stl(params, path, rng, scan_options)
    else:
        sim = simulate_scan(params, rng=rng, **scan_options)
        from footfit.io import save_scan

        # about 0.001 mm in the file's units keeps text files short; far below the noise
        pts = np.round(sim.points, _DECIMALS[sim.units])
        save_scan(pts, path, normals=np.round(sim.normals, 5), format=fmt)
        scan = dict(sim.options)
        scan["transform_canonical_mm_to_file"] = sim.transform.round(12).tolist()
        feet = [truth_record(f.mesh, side=f.side, params=f.params, transform=f.transform)
                for f in sim.feet]
    scan["format"] = fmt
    feet.sort(key=lambda f: f["side"] != "left")  # left before right
    truth = {
        "name": name,
        "footfit_version": _version(),
        "generator": {"seed": seed, "command": command},
        "scan": scan,
        "feet": feet,
    }
    _write_json(truth_path, truth)
    return path, truth_path


def _write_stl(params: FootParams, path: Path, rng: np.random.Generator,
               options: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    import trimesh

    from footfit.synth.model import make_foot_mesh

    units = options.get("units", "mm")
    check_choice(units, tuple(UNIT_SCALE), name="units")
    pose = options.get("pose", "random")
    mesh = make_foot_mesh(params, resolution_mm=_STL_RESOLUTION_MM, top_mm=_STL_TOP_MM)
    rigid = np.eye(4)
    if isinstance(pose, str):
        check_choice(pose, ("random",), name="pose")
        rigid[:3, :3] = _random_rotation(rng)
        rigid[:3, 3] = rng.uniform(-300.0, 300.0, 3)
    elif pose is not None:
        rigid = np.asarray(pose, float)
    to_file = np.diag([UNIT_SCALE[units]] * 3 + [1.0]) @ rigid
    out = trimesh.Trimesh(mesh.vertices @ to_file[:3, :3].T + to_file[:3, 3], mesh.faces,
                          process=False)
    tmp = path.with_name(path.name + ".tmp")
    out.export(tmp, file_type="stl")
    os.replace(tmp, path)
    scan = {"n_points": int(len(mesh.vertices)), "noise_mm": 0.0, "plantar": True,
            "floor": False, "leg": False, "outliers": 0.0, "holes": 0, "second_foot": False,
            "units": units, "mesh": {"resolution_mm": _STL_RESOLUTION_MM,
                                     "top_mm": _STL_TOP_MM, "faces": int(len(mesh.faces))},
            "transform_canonical_mm_to_file": to_file.round(12).tolist()}
    return scan, [truth_record(mesh, side=params.side, params=params, transform=to_file)]


def _write_one(job: tuple) -> tuple[Path, Path]:
    params, path, seed, command, options = job
    return write_synthetic_scan(params, path, seed=seed, command=command, **options)


def generate_dataset(
    out: str | os.PathLike,
    *,
    n: int,
    seed: int = 0,
    format: str = "ply",
    sex: str | None = None,
    prefix: str = "synth",
    command: str | None = None,
    workers: int = 1,
    **scan_options: Any,
) -> list[tuple[Path, Path]]:
    """Write ``n`` synthetic scans drawn from the population into the folder ``out``.

    Foot ``i`` is ``sample_population(n, sex=sex, rng=seed)[i]`` and its scan uses the
    seed ``seed * 100003 + i``, so a dataset is reproducible, independent of ``workers``,
    and each scan can be remade alone.

    Parameters
    ----------
    out : path
        Folder (created if needed).
    n : int
        Number of scans.
    seed : int, default=0
    format : {'ply', 'pcd', 'xyz', 'stl'}, default='ply'
    sex : {None, 'male', 'female'}, default=None
    prefix : str, default='synth'
        Files are ``PREFIX_NNNN.FORMAT`` and ``PREFIX_NNNN.truth.json``.
    command : str, optional
        Recorded in every truth file.
    workers : int, default=1
        Worker processes (about 5-10 s of CPU per scan).
    **scan_options
        Passed to :func:`footfit.synth.simulate_scan`.

    Returns
    -------
    list of (scan_path, truth_path)
    """
    check_choice(format, SCAN_FORMATS, name="format")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidParameterError(f"`workers` must be an int >= 1; got {workers!r}")
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    feet = sample_population(n, sex=sex, rng=seed)
    jobs = [(p, folder / f"{prefix}_{i:04d}.{format}", seed * 100003 + i, command,
             scan_options) for i, p in enumerate(feet)]
    if workers == 1 or len(jobs) < 2:
        return [_write_one(job) for job in jobs]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_write_one, jobs))
