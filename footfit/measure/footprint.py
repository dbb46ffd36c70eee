"""Plantar footprint and the indices read from it (arch index, Chippaux-Smirak, Staheli).

The footprint is the floor projection of the surface within 3 mm of the floor
(docs/measurement_conventions.md), rasterised on a 1 mm grid. Scan points sample the sole
sparsely (about one point per mm^2 at 60k points), so the raster is closed with a 2-cell
disc and its enclosed holes filled before areas and widths are read. Dropout holes in the
sole (the scanner saw only the dorsum above, or nothing) are told from the arch (its plantar
surface seen, however high) by growing the plantar surface from the contact in small
steps, and are filled with the plantar height interpolated across them. Areas are
integrated row by row with fractional end rows, so the zone bounds need not fall on the
grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from footfit._core import morphology
from footfit._core.raster import fill_holes, footprint_raster
from footfit._core.typing import BoolArray, FloatArray
from footfit.conventions import CONVENTIONS

__all__ = ["CONTACT_HEIGHT_MM", "FootprintResult", "compute_footprint", "has_plantar_surface"]

#: Height below which the surface counts as floor contact (footfit.conventions, with its
#: source).
CONTACT_HEIGHT_MM = CONVENTIONS.contact_height_mm
#: Toes are excluded by keeping the footprint behind this fraction of the foot length.
TOE_CUT_FRACTION = CONVENTIONS.toe_cut_fraction
#: Points up to this far above the contact height vote on a cell being in contact (mm).
NEAR_BAND_MM = 2.5
#: A column of the outline whose lowest point is above this height (mm), or that holds no
#: point, may be a dropout hole in the sole (below it, the votes decide as elsewhere).
HOLE_HEIGHT_MM = 15.0
#: Raster cell (mm) of the plantar height map used under dropout holes.
PLANTAR_CELL_MM = 2.0
#: Largest rise (mm) from one plantar cell to the next: the sole climbs from the floor into
#: the arch in such steps; a column whose lowest point is the dorsum (the sole is missing
#: under it) jumps by the foot's thickness.
PLANTAR_STEP_MM = 6.0
#: A column is a side wall, not a sole, when points lie WALL_BAND_MM above its lowest one.
WALL_BAND_MM = (4.0, 12.0)
#: Dropout holes are filled only inside the outline closed with a disc of this radius (mm),
#: so that a hole that took the side wall away with the sole is still inside it.
OUTLINE_CLOSING_MM = 16.0
#: Plantar cells this far inside the outline (mm) give the heights interpolated across a hole.
SOURCE_MARGIN_MM = 8.0
#: Interpolation across a hole spans at most this length (mm): dropout discs are 16-36 mm.
MAX_SPAN_MM = 50.0
#: Points used for the plantar height map (a stride of the scan): about 4 per cell on the
#: sole of a 250 mm foot; an empty cell is filled like a hole, from its neighbours.
HOLE_MAP_POINTS = 60000
#: Side of the square of cells that vote together on contact (``morphology.box_sum3``).
VOTE_CELLS = 3
#: Raster cell (mm) and closing radius (cells): design choices, see the module notes.
CELL_MM = 1.0
CLOSING_RADIUS_CELLS = 2
#: [U] footfit's choice: the footprint's medial and lateral edges are smoothed along the
#: length by a Gaussian of this sigma (mm) before the row widths are read (the fitted
#: outline of issue 21): the narrowest and widest raw rows are extremes of the raster's
#: cell noise, which made Chippaux-Smirak read ~1.9 points low and vary with density.
EDGE_SIGMA_MM = 3.0
#: Share of the footprint interior that contact points must cover for a visible sole.
PLANTAR_COVERAGE = 0.5


@dataclass(frozen=True)
class FootprintResult:
    """Footprint raster, zones and widths (canonical frame, mm).

    Attributes
    ----------
    mask : (ny, nx) bool
        Contact raster, row ``i`` at ``y = origin[1] + (i + 0.5) * cell_mm``, column ``j`` at
        ``x = origin[0] + (j + 0.5) * cell_mm`` (toes included; the zones stop at 80 % FL).
    origin : (2,) float, mm
        Corner (x, y) of cell (0, 0).
    cell_mm : float
    zone_bounds_y : (4,) float, mm
        y of the heel tangent, C|B, B|A and the front of the zones (0.80 L).
    zone_areas_mm2 : (3,) float
        Areas of C (rear), B (mid), A (fore).
    row_widths_mm : (ny,) float
        x extent of each raster row (0 where a row has no contact).
    arch_index, chippaux_smirak_index, staheli_index : float or None
    """

    mask: BoolArray
    origin: FloatArray
    cell_mm: float
    zone_bounds_y: FloatArray
    zone_areas_mm2: FloatArray
    row_widths_mm: FloatArray
    arch_index: float | None
    chippaux_smirak_index: float | None
    staheli_index: float | None

    def outline(self) -> FloatArray:
        """Return the ``(k, 2)`` centres (x, y) of the raster's boundary cells, for drawing."""
        edge = self.mask & ~morphology.binary_erosion(self.mask)
        i, j = np.nonzero(edge)
        return np.column_stack(
            [self.origin[0] + (j + 0.5) * self.cell_mm, self.origin[1] + (i + 0.5) * self.cell_mm]
        )


def _disc(radius: int) -> BoolArray:
    r = np.arange(-radius, radius + 1)
    return (r[:, None] ** 2 + r[None, :] ** 2) <= radius * radius


def _raster(xy: FloatArray, cell: float, pad: int) -> tuple[BoolArray, FloatArray]:
    """Occupancy image (rows along y) of THE footprint raster and its ``(x, y)`` corner."""
    r = footprint_raster(np.ascontiguousarray(xy[:, 1]), np.ascontiguousarray(xy[:, 0]),
                         cell=cell, pad=pad)
    return r.mask(), r.origin[::-1].copy()


def has_plantar_surface(points: FloatArray, *, cell_mm: float = 2.0) -> bool:
    """Whether contact points (z <= 3 mm) cover the footprint's interior, not only its rim.

    A scan without the sole still has a ring of points near the floor (the sides of the
    foot); with the sole, the eroded interior of the outline is covered.

    Parameters
    ----------
    points : (n, 3) float, mm, canonical frame
    cell_mm : float, default=2.0

    Returns
    -------
    bool
    """
    low = points[points[:, 2] <= CONTACT_HEIGHT_MM]
    if len(low) < 50:
        return False
    pad = 4
    step = max(1, len(points) // 50000)
    outline, lo = _raster(points[::step, :2], cell_mm, pad)
    outline = fill_holes(morphology.binary_closing(outline, iterations=2))
    interior = morphology.binary_erosion(outline, iterations=3)
    ij = np.floor((low[:, :2] - lo) / cell_mm).astype(np.intp)
    ij = np.clip(ij, 0, np.array(outline.shape[::-1]) - 1)
    contact = np.zeros_like(outline)
    contact[ij[:, 1], ij[:, 0]] = True
    # the footprint is where the sole touches: compare with the contact outline's interior
    cfill = fill_holes(morphology.binary_closing(contact, iterations=2))
    cint = morphology.binary_erosion(cfill, iterations=2) & interior
    n = int(cint.sum())
    return n > 20 and float((contact & cint).sum()) / n >= PLANTAR_COVERAGE


def _row_areas(mask: BoolArray, cell: float) -> tuple[FloatArray, FloatArray]:
    """Return each row's contact area and its width between the smoothed outline's edges.

    The medial and lateral edges (the first and last contact cell of each row) are
    smoothed along the length by a normalised Gaussian over the rows in contact
    (``EDGE_SIGMA_MM``): a smooth outline through the raster's edges, not its cell steps.
    A row without contact keeps width 0 (a high arch's gap).
    """
    rows = mask.sum(axis=1) * cell * cell
    any_ = mask.any(axis=1)
    first = np.where(any_, np.argmax(mask, axis=1), 0).astype(np.float64)
    last = np.where(any_, mask.shape[1] - 1 - np.argmax(mask[:, ::-1], axis=1), -1)
    w = any_.astype(np.float64)
    sigma = EDGE_SIGMA_MM / cell
    norm = np.maximum(morphology.gaussian_filter1d_nearest(w, sigma), 1e-12)
    first_s = morphology.gaussian_filter1d_nearest(first * w, sigma) / norm
    last_s = morphology.gaussian_filter1d_nearest(last * w, sigma) / norm
    widths = np.where(any_, np.maximum(last_s - first_s + 1.0, 1.0) * cell, 0.0)
    return rows.astype(np.float64), widths.astype(np.float64)


def _area_between(cum: FloatArray, y0: float, y_lo: float, y_hi: float, cell: float) -> float:
    """Area of rows between ``y_lo`` and ``y_hi`` from the cumulative row areas."""

    def at(y: float) -> float:
        t = (y - y0) / cell
        return float(np.interp(t, np.arange(len(cum)), cum))

    return at(y_hi) - at(y_lo)


def _interp_along(z: FloatArray, src: BoolArray, axis: int) -> FloatArray:
    """Interpolate ``z`` linearly between the nearest ``src`` cells along ``axis``.

    Between the nearest ``src`` cells before and after each cell along ``axis`` (inf where one
    side has none or they are too far apart).
    """
    if axis == 1:
        return _interp_along(z.T, src.T, 0).T
    n, m = z.shape
    idx = np.broadcast_to(np.arange(n)[:, None], (n, m))
    cols = np.broadcast_to(np.arange(m)[None, :], (n, m))
    prev = np.maximum.accumulate(np.where(src, idx, -1), axis=0)
    nxt = np.minimum.accumulate(np.where(src, idx, n)[::-1], axis=0)[::-1]
    both = (prev >= 0) & (nxt < n) & (nxt - prev <= MAX_SPAN_MM / PLANTAR_CELL_MM)
    zp = z[np.clip(prev, 0, n - 1), cols]
    zn = z[np.clip(nxt, 0, n - 1), cols]
    t = (idx - prev) / np.maximum(nxt - prev, 1)
    with np.errstate(invalid="ignore"):  # inf - inf where ``both`` is False
        return np.where(both, zp + t * (zn - zp), np.inf)


def _dropout_contact(points: FloatArray, lo: FloatArray, shape, cell: float) -> BoolArray:
    """Contact under the sole's dropout holes, on the footprint raster (``shape`` from ``lo``).

    On a coarser raster, the lowest point of every column maps the plantar surface. The
    sole is grown from the contact cells through columns that hold two layers (a lower
    surface and, more than 12 mm above it, the dorsum; not a side wall) rising at most
    ``PLANTAR_STEP_MM`` per cell: a high arch is reached this way, however high above the
    floor it lies. Inside the closed outline, a column not reached and with no point below
    ``HOLE_HEIGHT_MM`` has lost its sole (only the dorsum above, or nothing, is left). Its
    plantar height is interpolated from the reached columns around the hole, along the foot
    and across it (the lower of the two), and it is contact when that is below
    ``CONTACT_HEIGHT_MM``: a hole in the heel, ball or lateral border fills, one at the
    edge of the arch fills only on its contact side, and the arch stays open.
    """
    k = max(1, int(round(PLANTAR_CELL_MM / cell)))
    cshape = ((shape[0] + k - 1) // k, (shape[1] + k - 1) // k)
    sub = points[:: max(1, len(points) // HOLE_MAP_POINTS)]  # a few points per cell is enough
    ij = np.floor((sub[:, :2] - lo) / (k * cell)).astype(np.intp)
    ok = (ij[:, 0] >= 0) & (ij[:, 1] >= 0) & (ij[:, 1] < cshape[0]) & (ij[:, 0] < cshape[1])
    flat = ij[ok, 1] * cshape[1] + ij[ok, 0]
    z = sub[ok, 2]
    size = cshape[0] * cshape[1]
    zmin = np.full(size, np.inf)
    np.minimum.at(zmin, flat, z)
    dz = z - zmin[flat]
    wall_lo, wall_hi = WALL_BAND_MM
    walls = np.bincount(flat[(dz > wall_lo) & (dz <= wall_hi)], minlength=size) >= 2
    two_layers = np.bincount(flat[dz > wall_hi], minlength=size) >= 1
    zmin, walls, two_layers = (a.reshape(cshape) for a in (zmin, walls, two_layers))
    plantar = zmin <= CONTACT_HEIGHT_MM
    if not plantar.any():
        return np.zeros(shape, dtype=bool)
    climbable = two_layers & ~walls
    for _ in range(sum(cshape)):  # grow (over raster steps, not points)
        reach = morphology.max_filter3(np.where(plantar, zmin, -np.inf))
        new = ~plantar & climbable & (zmin <= reach + PLANTAR_STEP_MM)
        if not new.any():
            break
        plantar |= new
    r = int(round(OUTLINE_CLOSING_MM / (k * cell)))
    occ = np.pad(np.isfinite(zmin), r + 2)
    closed = morphology.binary_closing(occ, structure=_disc(r))[r + 2 : -r - 2, r + 2 : -r - 2]
    inside = morphology.binary_erosion(fill_holes(closed), iterations=2)
    hole = inside & ~plantar & (zmin > HOLE_HEIGHT_MM)
    if not hole.any():
        return np.zeros(shape, dtype=bool)
    margin = int(round(SOURCE_MARGIN_MM / (k * cell))) - 2  # beyond the 2 cells above
    src = plantar & (morphology.binary_erosion(inside, iterations=margin) if margin > 0
                     else inside)
    est = np.fmin(_interp_along(zmin, src, 0), _interp_along(zmin, src, 1))
    filled = hole & (est <= CONTACT_HEIGHT_MM)
    return np.repeat(np.repeat(filled, k, axis=0), k, axis=1)[: shape[0], : shape[1]]


def compute_footprint(
    points: FloatArray,
    *,
    pternion_y: float,
    foot_length_mm: float,
) -> FootprintResult | None:
    """Footprint raster and indices of a foot whose sole is in the scan.

    Parameters
    ----------
    points : (n, 3) float, mm, canonical frame (floor at z = 0)
    pternion_y : float, mm
        y of the pternion (percentages of the foot length start here).
    foot_length_mm : float, mm

    Returns
    -------
    FootprintResult or None
        ``None`` when fewer than 50 points touch the floor.

    Notes
    -----
    Zones: [heel tangent, 0.80 L] is split in three equal parts C (rear), B (mid), A
    (fore). ``arch_index = area(B) / area(A + B + C)``; Chippaux-Smirak = narrowest row
    width in B / widest in A x 100 (0 when B has no contact); Staheli = narrowest in B /
    widest in C.

    References
    ----------
    .. [1] Cavanagh PR, Rodgers MM (1987). The arch index: a useful measure from
       footprints. J Biomech 20(5):547-551.
    .. [2] Chippaux-Smirak and Staheli indices as in DOMAIN.md section 3 (after
       Sakalauskaite 2018); docs/measurement_conventions.md "Footprint indices".
    """
    near = points[points[:, 2] <= CONTACT_HEIGHT_MM + NEAR_BAND_MM]
    touching = near[:, 2] <= CONTACT_HEIGHT_MM
    if touching.sum() < 50:
        return None
    cell = CELL_MM
    pad = CLOSING_RADIUS_CELLS + 2
    # a cell is in contact when most of its points near the floor are below 3 mm: the
    # noise then moves the outline both ways instead of only outward (any-point rule)
    lo = near[:, :2].min(axis=0) - pad * cell
    ij = np.floor((near[:, :2] - lo) / cell).astype(np.intp)
    shape = (int(ij[:, 1].max()) + pad + 1, int(ij[:, 0].max()) + pad + 1)
    flat = ij[:, 1] * shape[1] + ij[:, 0]
    n_near = np.bincount(flat, minlength=shape[0] * shape[1])
    n_touch = np.bincount(flat[touching], minlength=shape[0] * shape[1])
    # votes pooled over 3 x 3 cells: single sparse cells would flip at random, and the
    # closing below would then join the outward flips to the footprint
    n_near = morphology.box_sum3(n_near.reshape(shape))  # VOTE_CELLS x VOTE_CELLS, exact ints
    n_touch = morphology.box_sum3(n_touch.reshape(shape))
    grid = (n_near > 0) & (2 * n_touch >= n_near)
    grid |= _dropout_contact(points, lo, shape, cell)
    grid = morphology.binary_closing(grid, structure=_disc(CLOSING_RADIUS_CELLS))
    grid = fill_holes(grid)
    # drop specks the closing could not join to the footprint (stray low points)
    lab, nlab = morphology.label(grid)
    if nlab > 1:
        sizes = np.bincount(lab.ravel())
        sizes[0] = 0
        grid = lab == int(np.argmax(sizes))
    rows, widths = _row_areas(grid, cell)
    cum = np.concatenate([[0.0], np.cumsum(rows)])  # cum[k] = area of rows < k
    y0 = float(lo[1])
    occupied = np.flatnonzero(rows > 0)
    y_heel = y0 + occupied[0] * cell
    y_front = pternion_y + TOE_CUT_FRACTION * foot_length_mm
    bounds = np.linspace(y_heel, y_front, 4)
    if y_front <= y_heel + 3 * cell:
        return None
    areas = np.array(
        [_area_between(cum, y0, bounds[k], bounds[k + 1], cell) for k in range(3)]
    )
    total = float(areas.sum())
    ai = float(areas[1] / total) if total > 0 else None
    yc = y0 + (np.arange(len(rows)) + 0.5) * cell

    def zone(k: int) -> FloatArray:
        return widths[(yc >= bounds[k]) & (yc < bounds[k + 1])]

    wc, wb, wa = zone(0), zone(1), zone(2)
    mid_min = float(wb.min()) if wb.size else 0.0
    csi = 100.0 * mid_min / float(wa.max()) if wa.size and wa.max() > 0 else None
    sti = mid_min / float(wc.max()) if wc.size and wc.max() > 0 else None
    return FootprintResult(
        mask=grid,
        origin=lo.astype(np.float64),
        cell_mm=cell,
        zone_bounds_y=bounds,
        zone_areas_mm2=areas,
        row_widths_mm=widths,
        arch_index=ai,
        chippaux_smirak_index=csi,
        staheli_index=sti,
    )
