"""Marching tetrahedra on a regular grid: a closed, consistently oriented triangle mesh.

Each cube is split into the six Kuhn (Freudenthal) tetrahedra around its main diagonal, a
triangulation shared by neighbouring cubes, so the extracted surface has no cracks; edge
vertices are keyed by their grid edge, so triangles share them and the mesh is watertight.
"""

from __future__ import annotations

import itertools

import numpy as np

__all__ = ["marching_tetrahedra"]

_PERMS = list(itertools.permutations(range(3)))


def _tet_corners() -> np.ndarray:
    """(6, 4, 3) int: corner offsets of the six Kuhn tetrahedra of the unit cube."""
    out = []
    for perm in _PERMS:
        v = np.zeros(3, int)
        corners = [v.copy()]
        for axis in perm:
            v[axis] += 1
            corners.append(v.copy())
        out.append(corners)
    return np.array(out)


def _case_table() -> tuple[np.ndarray, np.ndarray]:
    """(16, 2, 3, 2) local edge ends of up to two triangles per case, and (16, 2) validity."""
    edges = np.zeros((16, 2, 3, 2), int)
    valid = np.zeros((16, 2), bool)
    for case in range(1, 15):
        inside = [i for i in range(4) if case >> i & 1]
        outside = [i for i in range(4) if not case >> i & 1]
        if len(inside) in (1, 3):
            lone, others = (inside[0], outside) if len(inside) == 1 else (outside[0], inside)
            edges[case, 0] = [[lone, o] for o in others]
            valid[case, 0] = True
        else:
            a, b = inside
            c, d = outside
            edges[case, 0] = [[a, c], [a, d], [b, d]]
            edges[case, 1] = [[a, c], [b, d], [b, c]]
            valid[case] = True
    return edges, valid


_CORNERS = _tet_corners()
_EDGES, _VALID = _case_table()


def marching_tetrahedra(
    values: np.ndarray, origin: np.ndarray, spacing: float
) -> tuple[np.ndarray, np.ndarray]:
    """Extract the zero level set of ``values`` (negative inside) as a closed mesh.

    Parameters
    ----------
    values : (nx, ny, nz) float
        Field on the grid; must be positive on the grid boundary for a closed surface.
    origin : (3,) float
        Coordinates of ``values[0, 0, 0]``.
    spacing : float
        Grid step.

    Returns
    -------
    vertices : (m, 3) float64
    faces : (k, 3) int64
        Triangles wound counter-clockwise seen from outside (normals point to positive
        values).
    """
    f = np.array(values, dtype=np.float64)
    eps = 1e-6 * spacing
    small = np.abs(f) < eps
    f[small] = np.where(f[small] < 0, -eps, eps)  # no vertex exactly on the surface
    nx, ny, nz = f.shape
    inside = f < 0
    # active cells: corners of both signs
    cmin = np.ones((nx - 1, ny - 1, nz - 1), bool)
    cmax = np.zeros_like(cmin)
    for dx, dy, dz in itertools.product((0, 1), repeat=3):
        s = inside[dx:nx - 1 + dx, dy:ny - 1 + dy, dz:nz - 1 + dz]
        cmin &= s
        cmax |= s
    cells = np.argwhere(cmax & ~cmin)  # (M, 3)
    if cells.size == 0:
        return np.zeros((0, 3)), np.zeros((0, 3), np.int64)
    strides = np.array([ny * nz, nz, 1], np.int64)
    # (M, 6, 4) global node indices of every tetrahedron
    nodes = ((cells[:, None, None, :] + _CORNERS[None]) @ strides).reshape(-1, 4)
    flat = f.ravel()
    tv = flat[nodes]
    case = ((tv < 0) * np.array([1, 2, 4, 8])).sum(axis=1)
    keep = (case > 0) & (case < 15)
    nodes, tv, case = nodes[keep], tv[keep], case[keep]
    tris = []
    for t in range(2):
        sel = _VALID[case, t]
        e = _EDGES[case[sel], t]  # (n, 3, 2) local corner ids
        n_sel = nodes[sel]
        ga = np.take_along_axis(n_sel, e[:, :, 0], axis=1)
        gb = np.take_along_axis(n_sel, e[:, :, 1], axis=1)
        tris.append((ga, gb, tv[sel]))
    ga = np.concatenate([t[0] for t in tris])
    gb = np.concatenate([t[1] for t in tris])
    tet_vals = np.concatenate([t[2] for t in tris])
    tet_nodes_all = np.concatenate([nodes[_VALID[case, t]] for t in range(2)])
    lo, hi = np.minimum(ga, gb), np.maximum(ga, gb)
    key = lo * flat.size + hi
    ukey, inverse = np.unique(key.ravel(), return_inverse=True)
    ulo, uhi = ukey // flat.size, ukey % flat.size

    def coords(idx: np.ndarray) -> np.ndarray:
        i, rem = np.divmod(idx, ny * nz)
        j, k = np.divmod(rem, nz)
        return np.stack([i, j, k], axis=1) * spacing + origin

    flo, fhi = flat[ulo], flat[uhi]
    w = flo / (flo - fhi)
    plo, phi = coords(ulo), coords(uhi)
    vertices = plo + w[:, None] * (phi - plo)
    faces = inverse.reshape(-1, 3).astype(np.int64)
    # orient: normal from the tetrahedron's inside corners toward its outside corners
    tri = vertices[faces]
    normal = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    pos = coords(tet_nodes_all.ravel()).reshape(-1, 4, 3)
    ins = tet_vals < 0
    c_in = (pos * ins[..., None]).sum(1) / ins.sum(1, keepdims=True)
    c_out = (pos * ~ins[..., None]).sum(1) / (~ins).sum(1, keepdims=True)
    flip = (normal * (c_out - c_in)).sum(axis=1) < 0
    faces[flip] = faces[flip][:, ::-1]
    return vertices, faces
