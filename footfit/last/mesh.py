"""The custom last as a closed surface mesh a factory can mill (STL / PLY / OBJ).

:func:`build_last_mesh` lofts cross-sections along the last bottom and solves the section
scale at the ball and the instep so that the mesh's girths equal the parameters'.

Frame of the mesh: the canonical frame of the foot the last is made for (mm; +y from heel to
toe, +z up, +x lateral for a right last, the tread of the ball on z = 0). The foot's pternion is
at y = 0; the last bottom starts ``heel_allowance_mm`` in front of it (the heel curve bulges
back to about y = 0 above it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from footfit._core.typing import FloatArray
from footfit.exceptions import InvalidParameterError
from footfit.last.design import _Design, _design, _ring_points, _sections
from footfit.last.profile import _field, _positive, as_last_parameters, last_bottom_profile

if TYPE_CHECKING:
    import trimesh

    from footfit._core.typing import ArrayLike, PathType
    from footfit.last.params import LastParameters

__all__ = [
    "build_last_mesh",
    "last_bottom_profile",
    "last_mesh_path",
    "section_girth",
    "write_last_mesh",
]

def _assemble(d: _Design, rings: FloatArray) -> tuple[FloatArray, np.ndarray]:
    rings = rings.copy()
    rings[:, :, 2] = np.minimum(rings[:, :, 2], d.z_cut)
    return _assemble_rings(rings, np.array([0.0, d.y_back, d.z_bulge]),
                           np.array([0.0, d.y_tip, float(d.bottom.z[-1])]))


def _assemble_rings(rings: FloatArray, back: FloatArray,
                    tip: FloatArray) -> tuple[FloatArray, np.ndarray]:
    """Vertices and faces of a loft of closed rings (n_rings, m, 3) capped by two fans."""
    n_r, m, _ = rings.shape
    pts = rings.reshape(-1, 3)
    verts = np.concatenate([pts, np.asarray(back, float)[None], np.asarray(tip, float)[None]])
    i_back, i_tip = n_r * m, n_r * m + 1
    ii, jj = np.meshgrid(np.arange(n_r - 1), np.arange(m), indexing="ij")
    a = ii * m + jj
    b = (ii + 1) * m + jj
    cc = (ii + 1) * m + (jj + 1) % m
    dd = ii * m + (jj + 1) % m
    quads = np.concatenate([np.stack([a, b, cc], -1).reshape(-1, 3),
                            np.stack([a, cc, dd], -1).reshape(-1, 3)])
    j = np.arange(m)
    fan_back = np.stack([np.full(m, i_back), j, (j + 1) % m], axis=1)
    last = (n_r - 1) * m
    fan_tip = np.stack([np.full(m, i_tip), last + (j + 1) % m, last + j], axis=1)
    faces = np.concatenate([quads, fan_back, fan_tip]).astype(np.int64)
    return verts, faces


def _plane_hull_perimeter(
    verts: FloatArray, faces: np.ndarray, origin: FloatArray, normal: FloatArray
) -> float:
    """Convex-hull perimeter of the section of a triangle mesh by a plane (vectorized)."""
    from footfit._core.hull import convex_hull_2d

    n = normal / np.linalg.norm(normal)
    dist = (verts - origin) @ n
    # a face crosses the plane when it has a corner on either side (min < 0 < max), taken
    # on boolean corners: ~8x faster than gathering the (faces, 3) distances for min and max
    neg, pos = dist < 0, dist > 0
    a, b, c = faces[:, 0], faces[:, 1], faces[:, 2]
    cross = (neg[a] | neg[b] | neg[c]) & (pos[a] | pos[b] | pos[c])
    f = faces[cross]
    if len(f) == 0:
        return 0.0
    pts = []
    for k0, k1 in ((0, 1), (1, 2), (2, 0)):
        d0, d1 = dist[f[:, k0]], dist[f[:, k1]]
        hit = (d0 < 0) != (d1 < 0)
        t = d0[hit] / (d0[hit] - d1[hit])
        p0, p1 = verts[f[hit, k0]], verts[f[hit, k1]]
        pts.append(p0 + t[:, None] * (p1 - p0))
    p = np.concatenate(pts)
    u = np.cross(n, [0.0, 0.0, 1.0] if abs(n[2]) < 0.9 else [1.0, 0.0, 0.0])
    u /= np.linalg.norm(u)
    v = np.cross(n, u)
    q = np.stack([p @ u, p @ v], axis=1)
    ring = q[convex_hull_2d(q).vertices]
    return float(np.linalg.norm(np.roll(ring, -1, axis=0) - ring, axis=1).sum())


def section_girth(mesh: trimesh.Trimesh, origin: ArrayLike, normal: ArrayLike) -> float:
    """Return the tape girth of ``mesh`` in a plane: the convex-hull perimeter of the section.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        A closed surface (a last or a foot mesh).
    origin, normal : (3,) array_like of float, mm
        A point of the plane and its normal.

    Returns
    -------
    float, mm
        0.0 when the plane misses the mesh.

    References
    ----------
    .. [1] DOMAIN.md section 3: a tape bridges concavities, so a girth is the perimeter of
       the convex hull of the cross-section.
    """
    o = np.asarray(origin, dtype=np.float64).reshape(3)
    nrm = np.asarray(normal, dtype=np.float64).reshape(3)
    if not np.isfinite(nrm).all() or np.linalg.norm(nrm) == 0:
        raise InvalidParameterError(f"`normal` must be a finite non-zero vector; got {normal!r}")
    return _plane_hull_perimeter(np.asarray(mesh.vertices, dtype=np.float64),
                                 np.asarray(mesh.faces), o, nrm)


def _planes(d: _Design, sec_top_instep: float) -> tuple[tuple[FloatArray, FloatArray], ...]:
    """Ball and instep girth planes (origin, normal) of the design."""
    st = d.st
    # through the widest points of the body at MTH1 (medial) and MTH5 (lateral): where the
    # foot's MTH1 and MTH5 are, so the last's girth compares with the foot's
    body = _sections(d, 1.0, 1.0, np.array([st["mth1"], st["mth5"]]))
    p1 = np.array([-float(body["am"][0]), st["mth1"], 0.0])
    p5 = np.array([float(body["al"][1]), st["mth5"], 0.0])
    along = p5 - p1
    ball_n = np.array([along[1], -along[0], 0.0])
    ball = (0.5 * (p1 + p5) + np.array([0.0, 0.0, 1.0]), ball_n / np.linalg.norm(ball_n))
    yw, yi = st["waist"], st["instep"]
    zw = float(d.bottom.z_at_y(yw))
    t = np.array([0.0, yi - yw, sec_top_instep - zw])
    inst_n = np.cross([1.0, 0.0, 0.0], t)
    instep = (np.array([0.0, yw, zw]), inst_n / np.linalg.norm(inst_n))
    return ball, instep


def _girths(d: _Design, s_ball: float, s_instep: float) -> tuple[FloatArray, FloatArray,
                                                                   np.ndarray, dict[str, Any]]:
    sec = _sections(d, s_ball, s_instep, d.ring_y)
    verts, faces = _assemble(d, _ring_points(sec, d))
    top_i = float(np.minimum(
        _sections(d, s_ball, s_instep, np.array([d.st["instep"]]))["z_hi"][0], d.z_cut))
    ball, instep = _planes(d, top_i)
    g = np.array([
        _plane_hull_perimeter(verts, faces, *ball),
        _plane_hull_perimeter(verts, faces, *instep),
    ])
    info = {"ball_plane": ball, "instep_plane": instep, "instep_top_z_mm": top_i}
    return g, verts, faces, info


def _bracket_solve(d: _Design, target: FloatArray) -> tuple[FloatArray, tuple[Any, ...]]:
    """Return the section scales by bisection on the rising branch of girth(scale).

    For when the secant steps fail: a low section tilts the instep plane, so the instep
    girth grows again as the scale falls toward 0 and the secant can run down the wrong
    branch.
    """
    grid = np.linspace(0.2, 3.0, 15)
    gs = np.array([_girths(d, v, v)[0] for v in grid])  # the two girths barely interact
    lo, hi = np.zeros(2), np.zeros(2)
    for i in range(2):
        k0 = int(np.argmin(gs[:, i]))
        above = np.flatnonzero(gs[k0:, i] >= target[i])
        if gs[k0, i] > target[i] or len(above) == 0:  # unreachable: keep the nearest
            lo[i] = hi[i] = grid[k0] if gs[k0, i] > target[i] else grid[-1]
            continue
        j = k0 + int(above[0])
        lo[i], hi[i] = grid[max(j - 1, k0)], grid[j]
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        g = _girths(d, *mid)[0]
        up = g < target
        lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
        if np.all(np.abs(g - target) < 0.05):
            break
    s = 0.5 * (lo + hi)
    return s, _girths(d, *s)


def build_last_mesh(params: LastParameters | Mapping[str, Any], *, side: str | None = None,
                    max_iter: int = 12) -> Any:
    """Return :func:`build_last_surface` as a ``trimesh.Trimesh`` (same parameters).

    Examples
    --------
    >>> from footfit.last import generate_last
    >>> p = generate_last({"side": "right", "foot_length_mm": 265.0,
    ...                    "ball_girth_mm": 250.0}, style="sport", sex="male")
    >>> mesh = build_last_mesh(p)
    >>> bool(mesh.is_watertight), round(mesh.metadata["last"]["ball_girth_mm"])
    (True, 265)
    """
    try:
        import trimesh  # noqa: F401
    except ImportError as e:  # pragma: no cover
        raise ImportError("build_last_mesh requires trimesh") from e
    return build_last_surface(params, side=side, max_iter=max_iter).to_trimesh()


def build_last_surface(params: LastParameters | Mapping[str, Any], *, side: str | None = None,
                       max_iter: int = 12) -> Any:
    """Build the closed, watertight surface of the last described by ``params``.

    Parameters
    ----------
    params : LastParameters or mapping
        The last: :func:`footfit.last.generate_last`, or a row of the stock library
        (``foot_length_mm`` is then bottom length - toe allowance + heel allowance, the toe
        shape that of the style, the side right).
    side : {'right', 'left'} or None, default=None
        Which last to build; ``None`` takes ``params.side``. A left last is the right one
        mirrored in x (the canonical frame of a left foot is mirrored the same way).
    max_iter : int, default=12
        Newton steps of the girth solve.

    Returns
    -------
    footfit.last.surface.LastSurface
        About 19k triangles, outward normals. ``mesh.metadata`` holds ``"last"``: the
        realised girths, the girth planes, the scales, the top-cut height, the bottom curve
        (``bottom_y_mm``, ``bottom_z_mm``, ``bottom_s_mm``) and the station positions (y),
        which :mod:`footfit.fit` uses to place a foot.

    Raises
    ------
    ValueError
        A parameter is missing, not finite, out of order, or the girths cannot be met with the
        given bottom widths (the message names the field and the value).

    Notes
    -----
    The surface is a loft of cross-sections in planes across the length (y = const). Each
    section has a flat bottom between the medial and lateral bottom edges, elliptical
    quarter arcs rising to the widest point (the body overhangs the bottom), and a
    superellipse upper half up to the top line; a flat horizontal top cut caps it at
    ``heel_height_mm + top_cut_height_mm``. The bottom is the curve of
    :func:`last_bottom_profile`: the heel seat is raised by the heel height and kept flat
    (the real seat pitch is ignored), the shank drops smoothly to the tread at MTH5, and the
    toe spring lifts the tip. Behind the bottom the heel curve (a quarter ellipse meeting the
    seat at a crease) bulges back to the rearmost point about one heel allowance behind the
    bottom; above it the heel curve leans forward up to the top cut. The toe box follows the
    style's toe shape (superellipse plan and side tapers, ``footfit/data/last_shape.json``).

    As on a real last, the bottom (feather line) is narrower than the foot's tread and the
    flesh rolls over it: the body overhangs the bottom by the table's overhangs, measured so
    that the body is as wide as the foot (each style's broader or narrower bottom, waist and
    seat taken off), and the girths are made by the heights of the sections. The section
    scale over the ball (from MTH5 forward) and over the instep (behind the instep station)
    multiplies the top heights (fractions of the instep height; a measured
    ``ball_height_mm`` shapes the MTH1 and toe-box fractions); a secant solve (bisection on
    the rising branch if it fails) sets each so that the convex-hull girth in the ball plane
    (vertical, through the widest points of the body at MTH1, medial, and MTH5, lateral:
    where the foot's MTH1 and MTH5 are) and in the instep plane (through the bottom at the
    waist and the top at the instep station, containing x) equal ``ball_girth_mm`` and
    ``instep_girth_mm`` to 0.05 mm. Bottom widths, heel seat width and the bottom length are
    built exactly; the instep height and the waist girth are not imposed (the girths win).

    References
    ----------
    .. [1] DOMAIN.md section 5 (bottom length, allowances, toe spring, heel classes).
    .. [2] GB/T 3293-2017 (Chinese last parameter set: positions along the bottom, widths).

    Examples
    --------
    >>> from footfit.last import generate_last
    >>> p = generate_last({"side": "right", "foot_length_mm": 265.0,
    ...                    "ball_girth_mm": 250.0}, style="sport", sex="male")
    >>> mesh = build_last_surface(p)  # girth: 250 + 2 (sport) + 8 (4 mm liner) + 5 (sock)
    >>> bool(mesh.is_watertight), round(mesh.metadata["last"]["ball_girth_mm"])
    (True, 265)
    """
    params = as_last_parameters(params)
    side = str(params.side) if side is None else side
    if side not in ("right", "left"):
        raise InvalidParameterError(f"`side` must be 'right' or 'left'; got {side!r}")
    d = _design(params)
    target = np.array([_positive(params, "ball_girth_mm"), _positive(params, "instep_girth_mm")])
    s = np.array([1.0, 1.0])
    g, verts, faces, info = _girths(d, *s)
    s_prev, g_prev = s.copy(), g.copy()
    s = s * np.clip(1.0 + 1.5 * (target - g) / target, 0.5, 1.5)
    for _ in range(max_iter):
        g, verts, faces, info = _girths(d, *s)
        err = target - g
        if np.all(np.abs(err) < 0.05):
            break
        slope = (g - g_prev) / np.where(np.abs(s - s_prev) > 1e-9, s - s_prev, 1e-9)
        slope = np.where(slope > 1.0, slope, 60.0)  # girth grows with the scale
        s_prev, g_prev = s.copy(), g.copy()
        s = np.clip(s + err / slope, 0.05, 5.0)
    if np.any(np.abs(target - g) > 0.05):
        s, (g, verts, faces, info) = _bracket_solve(d, target)
    if np.any(np.abs(target - g) > 0.5):
        names = ("ball_girth_mm", "instep_girth_mm")
        bad = [f"{n} {t:.1f} (reached {v:.1f})"
               for n, t, v in zip(names, target, g, strict=True) if abs(t - v) > 0.5]
        raise InvalidParameterError(
            "last girths cannot be met with these bottom widths and heights: " + ", ".join(bad)
        )
    from footfit.last.rings import ring_table

    n_r = len(d.ring_y)
    rings = ring_table(verts[: n_r * (len(verts) - 2) // n_r].reshape(n_r, -1, 3),
                       back=verts[-2], tip=verts[-1], frame="final")
    from footfit.last.surface import LastSurface

    mesh = LastSurface(verts, faces)
    if mesh.volume < 0:
        mesh.invert()
    if side == "left":
        mesh.vertices[:, 0] *= -1.0
        mesh.invert()
    meta = {
        "side": side,
        "ball_girth_mm": float(g[0]),
        "instep_girth_mm": float(g[1]),
        "section_scale_ball": float(s[0]),
        "section_scale_instep": float(s[1]),
        "ball_plane": tuple(tuple(float(v) for v in a) for a in info["ball_plane"]),
        "instep_plane": tuple(tuple(float(v) for v in a) for a in info["instep_plane"]),
        "instep_top_z_mm": info["instep_top_z_mm"],
        "top_cut_z_mm": d.z_cut,
        "heel_seat_z_mm": d.z_seat,
        "collar_z_mm": d.z_seat + _field(params, "back_height_mm"),
        "rear_y_mm": d.y_back,
        "bottom_back_y_mm": d.y0,
        "toe_tip_y_mm": d.y_tip,
        "foot_length_mm": d.fl,
        "stations_y_mm": dict(d.st),
        "bottom_s_mm": d.bottom.s[::20].copy(),
        "bottom_y_mm": d.bottom.y[::20].copy(),
        "bottom_z_mm": d.bottom.z[::20].copy(),
        "rings": rings,
    }
    mesh.metadata["last"] = meta
    return mesh


_MESH_FORMATS = ("stl", "ply", "obj")


def last_mesh_path(path: PathType, side: str, *, n_feet: int = 1) -> Any:
    """Return where :func:`write_last_mesh` puts the last of ``side``.

    One foot: ``path`` itself. Two feet: the side is added to the name, ``last.stl`` ->
    ``last_left.stl`` and ``last_right.stl`` (a factory makes the pair).

    Raises
    ------
    ValueError
        The extension is not .stl, .ply or .obj.
    FileNotFoundError
        The folder does not exist.
    """
    from pathlib import Path

    p = Path(path)
    ext = p.suffix.lower().lstrip(".")
    if ext not in _MESH_FORMATS:
        raise InvalidParameterError(
            f"{p}: last mesh format must be .stl, .ply or .obj; got {p.suffix!r}")
    if not p.resolve().parent.is_dir():
        raise FileNotFoundError(f"{p}: folder {p.parent} does not exist")
    if n_feet > 1:
        p = p.with_name(f"{p.stem}_{side}{p.suffix}")
    return p


def write_last_mesh(params: LastParameters | Mapping[str, Any], path: PathType, *,
                    side: str | None = None) -> Any:
    """Build the last of ``params`` and write it to ``path`` (STL, PLY or OBJ by extension).

    Parameters
    ----------
    params : LastParameters or mapping
        The last.
    path : str or path-like
        Output file; the extension picks the format. Written atomically (temporary file,
        then renamed).
    side : {'right', 'left'} or None, default=None
        ``None`` takes ``params.side``: a left last is written mirrored, ready to mill.

    Returns
    -------
    pathlib.Path
        The file written. Coordinates in mm, in the canonical frame of the foot (heel at the
        origin, +y to the toe, +z up, the tread on z = 0).
    """
    import os
    import tempfile

    out = last_mesh_path(path, "right")
    mesh = build_last_mesh(params, side=side)
    mesh.metadata.pop("last", None)  # arrays in metadata are not for the file headers
    ext = out.suffix.lower().lstrip(".")
    fd, tmp = tempfile.mkstemp(prefix=out.name + ".", suffix=".tmp", dir=out.parent)
    os.close(fd)
    try:
        mesh.export(tmp, file_type=ext)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it owner-only; follow the umask
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return out
