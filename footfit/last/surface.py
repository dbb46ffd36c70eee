"""A light triangle surface for the lasts the fitting line builds (no trimesh import).

``footfit process`` builds a custom last per foot and tries it on; importing trimesh for that
alone costs about 0.3-0.5 s of a 0.6 s process. :class:`LastSurface` holds what the line needs
(vertices, faces, metadata, volume, watertightness, mirroring) and turns into a
``trimesh.Trimesh`` only when asked (:meth:`to_trimesh`, :meth:`export`).
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any

import numpy as np

from footfit._core.typing import FloatArray

if TYPE_CHECKING:
    from footfit._core.typing import PathType

__all__ = ["LastSurface"]


class LastSurface:
    """A closed triangle surface with ``metadata['last']``.

    Parameters
    ----------
    vertices : (n, 3) array_like of float, mm
    faces : (m, 3) array_like of int
    metadata : dict, optional

    Examples
    --------
    >>> import numpy as np
    >>> v = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], float)
    >>> f = np.array([[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]])
    >>> s = LastSurface(v, f)
    >>> s.is_watertight, round(s.volume, 4)
    (True, 0.1667)
    """

    def __init__(self, vertices: Any, faces: Any, metadata: dict[str, Any] | None = None):
        self.vertices: FloatArray = np.asarray(vertices, dtype=np.float64)
        self.faces = np.asarray(faces, dtype=np.int64)
        self.metadata: dict[str, Any] = dict(metadata or {})

    @property
    def volume(self) -> float:
        """Signed volume (positive when the faces are wound outward), mm^3."""
        t = self.vertices[self.faces]
        return float(np.einsum("ij,ij->i", t[:, 0], np.cross(t[:, 1], t[:, 2])).sum() / 6.0)

    @property
    def is_watertight(self) -> bool:
        """Every edge shared by exactly two faces, in opposite directions."""
        e = np.concatenate([self.faces[:, [0, 1]], self.faces[:, [1, 2]], self.faces[:, [2, 0]]])
        fwd = e[:, 0] * (len(self.vertices) + 1) + e[:, 1]
        rev = e[:, 1] * (len(self.vertices) + 1) + e[:, 0]
        u, c = np.unique(fwd, return_counts=True)
        return bool((c == 1).all() and np.isin(rev, u).all())

    def invert(self) -> None:
        """Turn the faces round (outward <-> inward)."""
        self.faces = self.faces[:, ::-1].copy()

    def copy(self) -> LastSurface:
        """Return a deep copy (metadata copied one level deep)."""
        return LastSurface(self.vertices.copy(), self.faces.copy(), dict(self.metadata))

    def to_trimesh(self) -> Any:
        """Return it as a ``trimesh.Trimesh`` (imports trimesh)."""
        import trimesh

        mesh = trimesh.Trimesh(vertices=self.vertices, faces=self.faces, process=False)
        mesh.metadata.update(self.metadata)
        return mesh

    def export(self, file_obj: PathType | IO[Any] | None = None, file_type: str | None = None,
               **kw: Any) -> Any:
        """Write or return the surface as STL / PLY / OBJ (through trimesh)."""
        return self.to_trimesh().export(file_obj=file_obj, file_type=file_type, **kw)
