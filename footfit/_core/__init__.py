"""footfit's shared core: the pieces every stage needs, public inside footfit.

The bottom layer of the package (see ``docs/architecture.md``): it imports numpy, scipy
(lazily) and :mod:`footfit.exceptions`, never a stage. Import the modules directly:

- :mod:`footfit._core.typing`: array and path type aliases.
- :mod:`footfit._core.geometry`: unit vectors, plane bases, plane fits (least squares,
  RANSAC).
- :mod:`footfit._core.raster`: THE footprint raster (points onto a 2-D grid of cells) and
  hole filling.
- :mod:`footfit._core.knn`: exact k-nearest neighbours.
- :mod:`footfit._core.validation`: argument checks (points, choices, ranges).
- :mod:`footfit._core.atomic`: atomic file writes.
"""
