"""Isolate the feet in a raw scan: floor, outliers, background, leg cut, two-feet split.

The first stage of the measuring line (``load -> isolate -> align -> measure``). It works on
any pose and any scanner layout that footfit knows of:

* platform scanners that see a floor around the foot at the level of the sole,
* glass-plate scanners that see the sole and no floor (points near the floor with downward
  normals),
* hand-held / turntable captures of both feet with the lower legs and no sole.

Every decision (plane, components, up direction) is taken on a voxel-thinned copy of the
cloud and then applied to all points through dense grid look-ups, so the cost is linear in
the number of points and no Python loop runs over points.
"""


from footfit._core.geometry import fit_plane_ransac
from footfit._core.raster import fill_holes
from footfit.clean.isolate import FootCloud, Isolation, isolate_feet
from footfit.clean.up import estimate_up
from footfit.clean.working import WorkingSet, build_working_set

__all__ = [
    "FootCloud",
    "Isolation",
    "WorkingSet",
    "build_working_set",
    "estimate_up",
    "fill_holes",
    "fit_plane_ransac",
    "isolate_feet",
]
