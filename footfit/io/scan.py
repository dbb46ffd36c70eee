"""The :class:`Scan` a reader returns: points in millimetres and what was learnt reading them."""

from __future__ import annotations

from dataclasses import dataclass

from footfit._core.typing import FloatArray

__all__ = ["Scan"]


@dataclass(frozen=True, eq=False)  # arrays: identity equality, hashable
class Scan:
    """A foot scan as loaded: points in millimetres and what was learnt reading them.

    Attributes
    ----------
    points : (n, 3) ndarray of float64, mm
        Finite coordinates (for a mesh: its vertices, then any surface samples).
    normals : (n, 3) ndarray of float64 or None
        Normals from the file (meshes: from the faces, pointing outward when the mesh is
        closed); ``None`` when the source has none.
    source : str
        The path as given, or ``"<array>"``.
    format : str
        ``"ply"``, ``"pcd"``, ``"xyz"``, ``"asc"``, ``"txt"``, ``"csv"``, ``"obj"``,
        ``"stl"``, ``"off"``, ``"npy"``, ``"npz"`` or ``"array"``.
    units_detected : {'mm', 'cm', 'm', 'in'}
        Unit of the source coordinates (detected, or as passed with ``units=``).
    scale_to_mm : float
        Factor applied to the source coordinates.
    points_in : int
        Rows (vertices) read from the source, including dropped non-finite ones.
    points_kept : int
        ``len(points)``.
    is_mesh : bool
        Whether the source had faces.
    warnings : tuple of str
        Things a user should know (dropped rows, ambiguous units, flipped normals...).
    """

    points: FloatArray
    normals: FloatArray | None
    source: str
    format: str
    units_detected: str
    scale_to_mm: float
    points_in: int
    points_kept: int
    is_mesh: bool
    warnings: tuple[str, ...] = ()

    def __repr__(self) -> str:
        """Summarise the scan in one line (the arrays are not printed)."""
        normals = "normals" if self.normals is not None else "no normals"
        return (
            f"Scan({self.source!r}, {self.format}, {self.points_kept} points in mm "
            f"(from {self.units_detected}), {normals}, {len(self.warnings)} warnings)"
        )
