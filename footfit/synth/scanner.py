"""Scanner simulator: what a platform foot scanner records of a synthetic foot.

Points are sampled over the surface that a ring of virtual cameras above and around the
platform sees (dorsum and sides; the sole too when the platform is glass), with Gaussian
noise, dropout holes, a floor patch around the foot at the sole level, a leg rising from
the ankle stump, scattered outliers, optionally the other foot beside the first, an
arbitrary rigid pose and any of the units m, cm, mm, in. Every random choice comes from
``rng``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from footfit._core.validation import check_choice
from footfit.exceptions import InvalidParameterError
from footfit.synth.model import make_foot_mesh
from footfit.synth.params import FootParams

__all__ = ["LABELS", "UNIT_SCALE", "SimulatedFoot", "SimulatedScan", "simulate_scan"]

#: Output units and their size in mm.
UNIT_SCALE = {"mm": 1.0, "cm": 0.1, "m": 0.001, "in": 1.0 / 25.4}
#: Meaning of ``SimulatedScan.labels``.
LABELS = {0: "first foot", 1: "second foot", 2: "floor", 3: "leg", 4: "outlier"}
_LEG_TOP_MM = 250.0


@dataclass(frozen=True)
class SimulatedFoot:
    """One foot in a simulated scan.

    Attributes
    ----------
    side : {'left', 'right'}
    params : FootParams or None
        ``None`` when the scan was made from a bare mesh.
    mesh : trimesh.Trimesh
        The clean canonical mesh (mm) the points were sampled from.
    transform : (4, 4) ndarray
        Canonical mm -> output coordinates (pose and unit scale) of this foot.
    """

    side: str
    params: FootParams | None
    mesh: Any
    transform: np.ndarray


@dataclass(frozen=True)
class SimulatedScan:
    """Result of :func:`simulate_scan`.

    Attributes
    ----------
    points, normals : (n, 3) ndarray
        Output coordinates (``units``) and unit normals.
    labels : (n,) int ndarray
        Source of each point, see ``LABELS``.
    transform : (4, 4) ndarray
        Canonical mm -> output coordinates of the first foot.
    units : {'mm', 'cm', 'm', 'in'}
    feet : tuple of SimulatedFoot
        The first foot first.
    options : dict
        The simulator options used (JSON-ready).
    """

    points: np.ndarray
    normals: np.ndarray
    labels: np.ndarray
    transform: np.ndarray
    units: str
    feet: tuple[SimulatedFoot, ...]
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def truth(self) -> dict[str, Any]:
        """Light ground truth: side, parameters and transform of every foot."""
        return {"feet": [{"side": f.side,
                          "params": f.params.to_dict() if f.params else None,
                          "transform_canonical_mm_to_file": f.transform.tolist()}
                         for f in self.feet]}


def _random_rotation(rng: np.random.Generator) -> np.ndarray:
    q = rng.normal(size=4)
    q /= np.linalg.norm(q)
    w, x, y, z = q
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ])


def _cameras() -> np.ndarray:
    """Return unit directions toward the virtual cameras: a ring of 8 at 35 deg and one above."""
    az = np.radians(np.arange(0, 360, 45) + 22.5)
    el = np.radians(35.0)
    ring = np.stack([np.cos(az) * np.cos(el), np.sin(az) * np.cos(el),
                     np.full(az.size, np.sin(el))], axis=1)
    return np.vstack([ring, [0.0, 0.0, 1.0]])


def _sample_surface(mesh, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    tris = mesh.triangles
    area = mesh.area_faces
    idx = rng.choice(len(area), size=n, p=area / area.sum())
    r1, r2 = rng.random(n), rng.random(n)
    flip = r1 + r2 > 1
    r1[flip], r2[flip] = 1 - r1[flip], 1 - r2[flip]
    t = tris[idx]
    pts = t[:, 0] + r1[:, None] * (t[:, 1] - t[:, 0]) + r2[:, None] * (t[:, 2] - t[:, 0])
    return pts, mesh.face_normals[idx]


def _visible(normals: np.ndarray, points: np.ndarray, plantar: bool, top: float) -> np.ndarray:
    facing = (normals @ _cameras().T).max(axis=1) > 0.15
    if plantar:
        facing |= normals[:, 2] < -0.3  # seen from below through the glass
    top_cap = (normals[:, 2] > 0.99) & (points[:, 2] > top - 0.5)
    return facing & ~top_cap


def _leg_points(mesh, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Sample a leg continuing the stump's top section upward to ``_LEG_TOP_MM``, widening."""
    from footfit.synth.reference import plane_section

    top = float(mesh.bounds[1, 2])
    ring = plane_section(mesh.triangles, [0, 0, top - 3.0], [0, 0, 1.0])
    centre = ring[:, :2].mean(axis=0)
    pick = ring[rng.integers(0, len(ring), n), :2] - centre
    z = rng.uniform(top - 3.0, _LEG_TOP_MM, n)
    grow = 1.0 + 0.35 * (z - (top - 3.0)) / (_LEG_TOP_MM - top)
    xy = centre + pick * grow[:, None]
    nrm = np.column_stack([pick / np.linalg.norm(pick, axis=1, keepdims=True),
                           np.zeros(n)])
    keep = z > top  # below that the stump itself is sampled
    return np.column_stack([xy, z])[keep], nrm[keep]


def _place(side_first: str, rng: np.random.Generator, first_mesh, second_mesh) -> np.ndarray:
    """Rigid transform putting the second foot beside the first (canonical mm)."""
    gap = rng.uniform(30.0, 80.0)
    angle = np.radians(rng.uniform(-10.0, 10.0))
    c, s = np.cos(angle), np.sin(angle)
    m = np.eye(4)
    m[:2, :2] = [[c, -s], [s, c]]
    b1, b2 = first_mesh.bounds, second_mesh.bounds
    if side_first == "right":  # the left foot stands on the -x side
        dx = b1[0, 0] - gap - b2[1, 0]
    else:
        dx = b1[1, 0] + gap - b2[0, 0]
    m[:3, 3] = [dx, rng.uniform(-30.0, 30.0), 0.0]
    return m


def _other_foot(p: FootParams, rng: np.random.Generator) -> FootParams:
    """Return the other foot of the same person: mirrored side, dimensions within a few mm."""
    def jitter(v, sd):
        return None if v is None else round(float(v) + rng.normal(0.0, sd), 3)

    return replace(
        p, side="left" if p.side == "right" else "right",
        foot_length_mm=jitter(p.foot_length_mm, 2.0), ball_width_mm=jitter(p.ball_width_mm, 1.0),
        ball_girth_mm=jitter(p.ball_girth_mm, 2.0), heel_width_mm=jitter(p.heel_width_mm, 1.0),
        instep_height_mm=jitter(p.instep_height_mm, 1.5),
        hallux_angle_deg=float(np.clip(p.hallux_angle_deg + rng.normal(0.0, 2.0), 0.0, 32.0)),
        ball_length_mm=jitter(p.ball_length_mm, 1.5),
    )


def simulate_scan(
    mesh_or_params,
    *,
    n_points: int = 100_000,
    noise_mm: float = 0.5,
    plantar: bool = True,
    floor: bool = True,
    leg: bool = True,
    outliers: float = 0.02,
    holes: int = 3,
    second_foot: bool | FootParams | Any = False,
    pose: str | np.ndarray | None = "random",
    units: str = "mm",
    side: str | None = None,
    resolution_mm: float = 1.5,
    rng: np.random.Generator | int | None = None,
) -> SimulatedScan:
    """Simulate a platform scanner's point cloud of a synthetic foot.

    Parameters
    ----------
    mesh_or_params : FootParams or trimesh.Trimesh
        The foot; a mesh must be in the canonical frame (mm).
    n_points : int, default=100000
        Total points written (foot, second foot, floor, leg and outliers).
    noise_mm : float, default=0.5
        Standard deviation of the isotropic Gaussian noise (mm).
    plantar : bool, default=True
        See the sole through a glass platform (down-facing surface kept).
    floor : bool, default=True
        Add platform points around the feet at the sole level (z = 0).
    leg : bool, default=True
        Continue the ankle stump upward to 250 mm.
    outliers : float, default=0.02
        Fraction of points scattered uniformly in the box around the scene.
    holes : int, default=3
        Number of dropout holes (discs of 8-18 mm radius) on each foot.
    second_foot : bool, FootParams or trimesh.Trimesh, default=False
        Put the other foot beside the first: ``True`` makes one like the first
        (mirrored side, dimensions within a few mm; needs ``FootParams``).
    pose : {'random', None} or (4, 4) array_like, default='random'
        Rigid pose applied in mm before the unit scale: a uniformly random rotation (upside
        down included) and a shift of up to 300 mm, none, or the given matrix.
    units : {'mm', 'cm', 'm', 'in'}, default='mm'
    side : {None, 'left', 'right'}, default=None
        Side of a bare mesh (``FootParams`` carry their own).
    resolution_mm : float, default=1.5
        Mesh resolution when meshes are built from parameters.
    rng : numpy.random.Generator, int or None

    Returns
    -------
    SimulatedScan

    Examples
    --------
    >>> from footfit.synth import FootParams
    >>> p = FootParams(250.0, 95.0, 235.0, 66.0, 58.0)
    >>> s = simulate_scan(p, n_points=5000, units="m", rng=0, resolution_mm=3.0)
    >>> s.points.shape, bool(abs(s.points).max() < 1.0)
    ((5000, 3), True)
    """
    rng = np.random.default_rng(rng)
    check_choice(units, tuple(UNIT_SCALE), name="units")
    check_choice(side, (None, "left", "right"), name="side")
    _check_options(n_points, outliers, noise_mm, holes)
    feet = _scene_feet(mesh_or_params, second_foot, side, resolution_mm, rng)
    n_out, n_floor, counts = _point_budget(feet, n_points, outliers, floor, leg)
    pts, nrm, lab = [], [], []
    for k, (_, mesh, _, place) in enumerate(feet):
        cp, cn = _foot_points(mesh, counts[k], plantar, holes, rng)
        pts.append(cp @ place[:3, :3].T + place[:3, 3])
        nrm.append(cn @ place[:3, :3].T)
        lab.append(np.full(counts[k], k))
    if leg:
        _add_leg_points(feet, counts[-1], rng, pts, nrm, lab)
    if floor:
        fp = _floor_points(pts, lab, n_floor, rng)
        pts.append(fp)
        nrm.append(np.tile([0.0, 0.0, 1.0], (n_floor, 1)))
        lab.append(np.full(n_floor, 2))
    points, normals, labels = _noise_and_outliers(pts, nrm, lab, noise_mm, n_out, rng)

    # pose and units
    rigid = _pose(pose, rng)
    scale = np.diag([UNIT_SCALE[units]] * 3 + [1.0])
    to_file = scale @ rigid
    points = points @ to_file[:3, :3].T + to_file[:3, 3]
    normals = normals @ rigid[:3, :3].T
    sim_feet = tuple(SimulatedFoot(side=s, params=p, mesh=m, transform=to_file @ place)
                     for p, m, s, place in feet)
    options = {"n_points": int(n_points), "noise_mm": float(noise_mm), "plantar": bool(plantar),
               "floor": bool(floor), "leg": bool(leg), "outliers": float(outliers),
               "holes": int(holes), "second_foot": len(feet) == 2, "units": units}
    return SimulatedScan(points=points, normals=normals, labels=labels, transform=to_file,
                         units=units, feet=sim_feet, options=options)


def _check_options(n_points, outliers, noise_mm, holes) -> None:
    """Refuse point counts, outlier shares, noise and hole counts out of their domains."""
    if isinstance(n_points, bool) or not isinstance(n_points, (int, np.integer)) \
            or n_points < 100:
        raise InvalidParameterError(f"`n_points` must be an int >= 100; got {n_points!r}")
    if not 0.0 <= float(outliers) < 0.5:
        raise InvalidParameterError(f"`outliers` must be within [0, 0.5); got {outliers!r}")
    if not 0.0 <= float(noise_mm) <= 20.0:
        raise InvalidParameterError(f"`noise_mm` must be within [0, 20] mm; got {noise_mm!r}")
    if isinstance(holes, bool) or not isinstance(holes, (int, np.integer)) or holes < 0:
        raise InvalidParameterError(f"`holes` must be an int >= 0; got {holes!r}")


def _scene_feet(mesh_or_params, second_foot, side, resolution_mm, rng) -> list[tuple]:
    """Return ``(params, mesh, side, placement)`` of the first foot and any second one."""
    import trimesh

    def as_foot(obj, side_default):
        if isinstance(obj, FootParams):
            return obj, make_foot_mesh(obj, resolution_mm=resolution_mm), obj.side
        if isinstance(obj, trimesh.Trimesh):
            return None, obj, side_default or "right"
        raise TypeError(f"`mesh_or_params` must be FootParams or a trimesh.Trimesh; "
                        f"got {type(obj).__name__}")

    p1, mesh1, side1 = as_foot(mesh_or_params, side)
    feet = [(p1, mesh1, side1, np.eye(4))]
    if second_foot is not False and second_foot is not None:
        if second_foot is True:
            if p1 is None:
                raise InvalidParameterError("`second_foot=True` needs FootParams; pass the "
                                            "second foot's FootParams or mesh instead")
            p2, mesh2, side2 = as_foot(_other_foot(p1, rng), None)
        else:
            p2, mesh2, side2 = as_foot(second_foot, "left" if side1 == "right" else "right")
        feet.append((p2, mesh2, side2, _place(side1, rng, mesh1, mesh2)))
    return feet


def _point_budget(feet, n_points, outliers, floor, leg) -> tuple[int, int, np.ndarray]:
    """Split ``n_points`` into outliers, floor, each foot (by area) and the legs."""
    n_out = int(round(float(outliers) * n_points))
    n_floor = int(round(0.18 * n_points)) if floor else 0
    n_scene = n_points - n_out - n_floor
    shares = np.array([m.area for _, m, _, _ in feet])
    if leg:
        shares = np.append(shares, 0.12 * shares.sum())
    counts = np.floor(n_scene * shares / shares.sum()).astype(int)
    counts[0] += n_scene - counts.sum()
    return n_out, n_floor, counts


def _foot_points(mesh, need: int, plantar: bool, holes: int, rng) -> tuple[np.ndarray, ...]:
    """Sample ``need`` visible surface points (and normals) of a foot, with dropout holes."""
    got_p, got_n = [], []
    total = 0
    for _ in range(10):
        cp, cn = _sample_surface(mesh, 3 * need + 100, rng)
        vis = _visible(cn, cp, plantar, float(mesh.bounds[1, 2]))
        cp, cn = cp[vis], cn[vis]
        got_p.append(cp)
        got_n.append(cn)
        total += len(cp)
        if total >= 2 * need:
            break
    cp, cn = np.concatenate(got_p), np.concatenate(got_n)
    for _ in range(holes):
        c = cp[rng.integers(len(cp))]
        r = rng.uniform(8.0, 18.0)
        keep = np.linalg.norm(cp - c, axis=1) > r
        cp, cn = cp[keep], cn[keep]
    sel = rng.choice(len(cp), size=need, replace=len(cp) < need)
    return cp[sel], cn[sel]


def _add_leg_points(feet, n_leg: int, rng, pts: list, nrm: list, lab: list) -> None:
    """Append ``n_leg`` points of the legs above the feet (label 3), shared between feet."""
    per = np.full(len(feet), n_leg // len(feet))
    per[0] += n_leg - per.sum()
    for (_, mesh, _, place), nl in zip(feet, per, strict=True):
        lp, ln = _leg_points(mesh, int(nl * 1.2) + 10, rng)
        lp, ln = lp[:nl], ln[:nl]
        if len(lp) < nl:  # rare: top up from the stump itself
            extra = nl - len(lp)
            lp = np.vstack([lp, lp[rng.integers(0, len(lp), extra)]])
            ln = np.vstack([ln, ln[rng.integers(0, len(ln), extra)]])
        pts.append(lp @ place[:3, :3].T + place[:3, 3])
        nrm.append(ln @ place[:3, :3].T)
        lab.append(np.full(nl, 3))


def _floor_points(pts: list, lab: list, n_floor: int, rng) -> np.ndarray:
    """Return ``n_floor`` platform points around the feet, not under them.

    The sole hides the platform under a foot (or the glass does): cells of the feet's top
    view, dilated and filled, get no floor points.
    """
    from scipy import ndimage

    scene = np.concatenate(pts)
    lo, hi = scene.min(axis=0), scene.max(axis=0)
    margin = 60.0
    cell = 4.0
    foot_xy = np.concatenate([p for p, lb in zip(pts, lab, strict=True) if lb[0] < 3])
    gx = np.floor((foot_xy[:, 0] - lo[0] + margin) / cell).astype(int)
    gy = np.floor((foot_xy[:, 1] - lo[1] + margin) / cell).astype(int)
    shape = (int((hi[0] - lo[0] + 2 * margin) / cell) + 2,
             int((hi[1] - lo[1] + 2 * margin) / cell) + 2)
    occ = np.zeros(shape, bool)
    occ[np.clip(gx, 0, shape[0] - 1), np.clip(gy, 0, shape[1] - 1)] = True
    occ = ndimage.binary_fill_holes(ndimage.binary_dilation(occ, iterations=2))
    fl = []
    while sum(len(f) for f in fl) < n_floor:
        cand = np.column_stack([rng.uniform(lo[0] - margin, hi[0] + margin, 2 * n_floor),
                                rng.uniform(lo[1] - margin, hi[1] + margin, 2 * n_floor),
                                np.zeros(2 * n_floor)])
        ix = ((cand[:, 0] - lo[0] + margin) / cell).astype(int)
        iy = ((cand[:, 1] - lo[1] + margin) / cell).astype(int)
        fl.append(cand[~occ[ix, iy]])
    return np.concatenate(fl)[:n_floor]


def _noise_and_outliers(pts, nrm, lab, noise_mm, n_out, rng) -> tuple[np.ndarray, ...]:
    """Join the blocks, add Gaussian noise and ``n_out`` outliers, shuffle the rows."""
    points = np.concatenate(pts)
    normals = np.concatenate(nrm)
    labels = np.concatenate(lab)
    if noise_mm > 0:
        points = points + rng.normal(0.0, float(noise_mm), points.shape)
    if n_out:
        lo2, hi2 = points.min(axis=0) - 50.0, points.max(axis=0) + 50.0
        op = rng.uniform(lo2, hi2, (n_out, 3))
        on = rng.normal(size=(n_out, 3))
        points = np.vstack([points, op])
        normals = np.vstack([normals, on / np.linalg.norm(on, axis=1, keepdims=True)])
        labels = np.concatenate([labels, np.full(n_out, 4)])
    order = rng.permutation(len(points))
    return points[order], normals[order], labels[order]


def _pose(pose, rng) -> np.ndarray:
    """Return the rigid (4, 4) pose: random, identity (``None``) or the given matrix."""
    if isinstance(pose, str):
        check_choice(pose, ("random",), name="pose")
        rigid = np.eye(4)
        rigid[:3, :3] = _random_rotation(rng)
        rigid[:3, 3] = rng.uniform(-300.0, 300.0, 3)
        return rigid
    if pose is None:
        return np.eye(4)
    rigid = np.asarray(pose, float)
    if rigid.shape != (4, 4) or not np.allclose(rigid[:3, :3] @ rigid[:3, :3].T, np.eye(3),
                                               atol=1e-6):
        raise InvalidParameterError("`pose` must be 'random', None or a rigid (4, 4) matrix")
    return rigid
