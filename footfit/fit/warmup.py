"""Make the last and fit stages ready when a fitter is made, not during its first scan.

A fresh ``footfit process`` used to pay, inside its first scan's ``last`` and ``fit`` stages,
for work a warm fitter never repeats: importing the stages' modules (``footfit.fit.*``,
``footfit.last.rings``, ``footfit.last.surface``, ``zipfile`` for the stock-last cache),
reading their JSON tables, hashing the tables into the cache key, and qhull's first call.
:func:`prepare_last_and_fit` does all of that once; :class:`footfit.pipeline.FootFitter`
calls it when it is made. It does no per-foot work (which stock lasts a foot needs depends
on the foot) and builds nothing that a scan would not.
"""

from __future__ import annotations

__all__ = ["prepare_last_and_fit"]

#: JSON tables the last and fit stages read (``footfit/data``).
_TABLES = ("last_shape.json", "styles.json", "fit_preferences.json", "fit_zones.json",
           "stock_matching.json")


def prepare_last_and_fit(*, simulate_fit: bool = True) -> None:
    """Import the last and fit stages and read their tables now.

    Parameters
    ----------
    simulate_fit : bool, default=True
        Also make the fit simulation ready (its modules, zone table and stock-last cache
        key); the custom last is built either way.

    Examples
    --------
    >>> import sys
    >>> prepare_last_and_fit()
    >>> "footfit.fit.sizing" in sys.modules and "footfit.last.rings" in sys.modules
    True
    """
    from footfit._data import load_table
    from footfit.last import custom, rings, surface  # noqa: F401

    for name in _TABLES:
        load_table(name)
    if not simulate_fit:
        return
    import encodings.cp437  # noqa: F401 - zip member names, decoded on the first read
    import zipfile  # noqa: F401 - the stock-last cache is read with numpy.load

    from footfit.fit import _common, cache, sections, sizing  # noqa: F401

    _common._config()
    cache.cache_dir()  # hashes the tables into the cache key once
