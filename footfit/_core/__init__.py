"""footfit's shared core: the pieces every stage needs, public inside footfit.

The bottom layer of the package (see ``docs/architecture.md``): it imports numpy and
:mod:`footfit.exceptions`, never a stage (nor scipy: the processing line imports none,
#21). Import the modules directly:

- :mod:`footfit._core.typing`: array and path type aliases.
- :mod:`footfit._core.geometry`: unit vectors, plane bases, plane fits (least squares,
  RANSAC).
- :mod:`footfit._core.raster`: THE footprint raster (points onto a 2-D grid of cells) and
  hole filling.
- :mod:`footfit._core.knn`: exact k-nearest neighbours (brute force, small tables).
- :mod:`footfit._core.gridsearch`: exact k-nearest neighbours and radius pairs of point
  clouds on a voxel hash (what ``scipy.spatial.cKDTree`` answers).
- :mod:`footfit._core.hull`: 2-D and 3-D convex hulls (what ``scipy.spatial.ConvexHull``
  gives).
- :mod:`footfit._core.morphology`: binary morphology, labelling, distance transform and
  small filters on grids (what ``scipy.ndimage`` gives).
- :mod:`footfit._core.validation`: argument checks (points, choices, ranges).
- :mod:`footfit._core.atomic`: atomic file writes.
"""
