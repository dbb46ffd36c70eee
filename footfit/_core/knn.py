"""Exact k-nearest-neighbour search by vectorized brute force (:class:`BruteNeighbors`).

footfit's neighbour searches are small: a group of the insole matcher holds a few dozen
devices, a style of the stock last library a few hundred lasts, and each query has at most
five features. At that size an exact scan over every reference row is the fastest search
there is, and it needs only numpy: scikit-learn's ``NearestNeighbors`` (kd-tree or brute)
returns the same neighbours but costs about a second of imports and a fixed overhead of
parameter validation per call (see ``footfit bench``, ``ratio_knn_*``).

References
----------
.. [1] DOMAIN.md section 6 (kiosks pick the nearest pre-made device).
.. [2] scikit-learn ``NearestNeighbors`` (the estimator-style API followed here).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from footfit._core.typing import FloatArray, IntArray
from footfit._core.validation import check_choice
from footfit.exceptions import InvalidParameterError, NotFittedError

__all__ = ["BruteNeighbors"]

_METRICS = ("euclidean", "manhattan")

#: Queries per block: bounds the (block, n_reference) distance matrix (~16 MB at 500 rows).
_BLOCK_ROWS = 4096
#: Up to this many queries, distances come from one (m, n, d) broadcast.
_FEW_QUERIES = 8


class BruteNeighbors:
    """Exact nearest neighbours by brute force over every reference row.

    Same call pattern as scikit-learn's ``NearestNeighbors`` (``fit(X)`` then
    ``kneighbors(Q, n_neighbors)``), and the same neighbours and distances. Distances are
    computed coordinate by coordinate as ``sqrt(sum((q - x)**2))`` (euclidean) or
    ``sum(|q - x|)`` (manhattan), never through the ``|q|^2 - 2 q.x + |x|^2`` expansion, so
    they are exact to rounding. Neighbours at equal distance come in reference-row order.

    Parameters
    ----------
    n_neighbors : int, default=5
        Neighbours returned when ``kneighbors`` is not told.
    metric : {'euclidean', 'manhattan'}, default='euclidean'

    Attributes
    ----------
    n_samples_fit_ : int
        Reference rows.
    n_features_in_ : int
        Features per row.

    Examples
    --------
    >>> nn = BruteNeighbors(n_neighbors=2).fit([[0.0, 0.0], [3.0, 4.0], [1.0, 0.0]])
    >>> dist, ind = nn.kneighbors([[0.9, 0.0]])
    >>> ind.tolist(), dist.round(3).tolist()
    ([[2, 0]], [[0.1, 0.9]])
    """

    def __init__(self, n_neighbors: int = 5, *, metric: str = "euclidean") -> None:
        self.n_neighbors = n_neighbors
        self.metric = metric

    def fit(self, X: Any) -> BruteNeighbors:
        """Store the reference rows.

        Parameters
        ----------
        X : (n, d) array_like of float
            Finite reference rows (n >= 1, d >= 1).

        Returns
        -------
        BruteNeighbors
            ``self``.

        Raises
        ------
        ValueError
            Bad ``metric`` or ``n_neighbors``, or ``X`` not a finite non-empty 2-D array.
        """
        check_choice(self.metric, _METRICS, name="metric")
        _check_k(self.n_neighbors, name="n_neighbors")
        x = _as_rows(X, name="X")
        if x.shape[0] == 0:
            raise InvalidParameterError("`X` must hold at least one row; got 0")
        # row-major for a few queries (one broadcast), column-major for many (one pass per
        # feature, no (m, n, d) temporary)
        self._rows = np.ascontiguousarray(x)
        self._cols = np.asfortranarray(x)
        self.n_samples_fit_ = int(x.shape[0])
        self.n_features_in_ = int(x.shape[1])
        return self

    def distances(self, Q: Any) -> FloatArray:
        """Return the ``(m, n_samples_fit_)`` distances from each query to every row.

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        ValueError
            ``Q`` not a finite 2-D array with ``n_features_in_`` columns.
        """
        q = self._queries(Q)
        return self._distances(q)

    def kneighbors(
        self, Q: Any, n_neighbors: int | None = None, *, return_distance: bool = True
    ) -> tuple[FloatArray, IntArray] | IntArray:
        """Return the nearest reference rows of each query, nearest first.

        Parameters
        ----------
        Q : (m, d) array_like of float
            Queries.
        n_neighbors : int, optional
            Default ``self.n_neighbors``; at most ``n_samples_fit_``.
        return_distance : bool, default=True

        Returns
        -------
        dist : (m, k) ndarray of float
            Only when ``return_distance``.
        ind : (m, k) ndarray of int
            Reference rows; ties in distance come in row order.

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        ValueError
            Bad ``Q``, or ``n_neighbors`` < 1 or above ``n_samples_fit_``.
        """
        q = self._queries(Q)
        k = _check_k(self.n_neighbors if n_neighbors is None else n_neighbors,
                     name="n_neighbors")
        if k > self.n_samples_fit_:
            raise InvalidParameterError(
                f"`n_neighbors` ({k}) must be <= the {self.n_samples_fit_} "
                "reference rows"
            )
        m = q.shape[0]
        ind = np.zeros((m, k), dtype=np.intp)
        dist = np.zeros((m, k), dtype=np.float64)
        for start in range(0, m, _BLOCK_ROWS):
            stop = min(m, start + _BLOCK_ROWS)
            d = self._distances(q[start:stop])
            # a stable sort keeps row order among equal distances
            order = np.argsort(d, axis=1, kind="stable")[:, :k]
            ind[start:stop] = order
            dist[start:stop] = np.take_along_axis(d, order, axis=1)
        return (dist, ind) if return_distance else ind

    # ---------------------------------------------------------------- helpers
    def _queries(self, Q: Any) -> FloatArray:
        if not hasattr(self, "_cols"):
            raise NotFittedError("This BruteNeighbors is not fitted yet; call fit() first")
        q = _as_rows(Q, name="Q")
        if q.shape[1] != self.n_features_in_:
            raise InvalidParameterError(
                f"`Q` must have {self.n_features_in_} columns (as fitted); "
                f"got {q.shape[1]}"
            )
        return q

    def _distances(self, q: FloatArray) -> FloatArray:
        if q.shape[0] <= _FEW_QUERIES:
            t = q[:, None, :] - self._rows[None, :, :]
            if self.metric == "euclidean":
                np.multiply(t, t, out=t)
                return np.sqrt(t.sum(axis=2))
            return np.abs(t, out=t).sum(axis=2)
        cols = self._cols
        d = np.subtract.outer(q[:, 0], cols[:, 0])
        if self.metric == "euclidean":
            np.multiply(d, d, out=d)
            for j in range(1, cols.shape[1]):
                t = np.subtract.outer(q[:, j], cols[:, j])
                np.multiply(t, t, out=t)
                d += t
            return np.sqrt(d, out=d)
        np.abs(d, out=d)
        for j in range(1, cols.shape[1]):
            t = np.subtract.outer(q[:, j], cols[:, j])
            d += np.abs(t, out=t)
        return d


def _check_k(k: Any, *, name: str) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise InvalidParameterError(f"`{name}` must be an int >= 1; got {k!r}")
    return int(k)


def _as_rows(a: Any, *, name: str) -> FloatArray:
    try:
        x = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"`{name}` must be a 2-D array of numbers") from None
    if x.ndim != 2 or x.shape[1] < 1:
        raise InvalidParameterError(
            f"`{name}` must be a 2-D array with at least one column; got shape "
            f"{x.shape}"
        )
    if not np.isfinite(x).all():
        raise InvalidParameterError(f"`{name}` must be finite (NaN or inf found)")
    return x
