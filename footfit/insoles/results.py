"""The insole matcher's results: one foot's :class:`InsoleMatch`, a batch's :class:`BatchMatch`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from footfit._core.typing import FloatArray, IntArray
from footfit.insoles.features import FEATURES

__all__ = ["BatchMatch", "InsoleMatch"]


@dataclass(frozen=True)
class InsoleMatch:
    """One recommended pre-made insole, with the reasons for it.

    Attributes
    ----------
    sku, name : str
        Catalogue SKU and product name.
    rank : int
        1 for the best match.
    distance : float
        Weighted standardized distance between the foot and the device's target foot
        (weights sum to 1 over the features used).
    fit_score : float
        0-100; ``100 * exp(-0.5 * (d / scale)^2)`` (``footfit/data/insole_weights.json``), where
        ``d`` is ``distance`` when every feature was measured; a missing feature adds its
        expected deviation for a foot of the population (``missing_features.score_rule``),
        so a foot known only by its length never scores a device as a perfect fit.
    reasons : tuple of str
        Why, in words and numbers, e.g. ``"arch index 0.29 -> flat (...); low arch support,
        apex 12 mm at 41 % of length; medial post 4 deg"``.
    dropped_features : tuple of str
        Foot measurements that were missing and left out of the distance (the other weights
        renormalized).
    kind : str, default='pre-made'
        ``'pre-made'`` (a catalogue device) as opposed to ``'custom'`` (DOMAIN.md section 6).
    confidence : float, default=1.0
        Share (0-1) of the distance's weight that was measured: 1 with every feature, about
        0.23 when the score rests on foot length only.
    fits_well : bool, default=True
        ``fit_score`` is at least the data-set threshold ``no_fit.score`` of
        ``footfit/data/insole_weights.json``; when the best device is below it, no pre-made insole
        fits well and the custom insole is the recommendation.
    device : mapping
        The device's catalogue row (every column of ``insoles.csv``).
    """

    sku: str
    name: str
    rank: int
    distance: float
    fit_score: float
    reasons: tuple[str, ...]
    dropped_features: tuple[str, ...]
    kind: str = "pre-made"
    confidence: float = 1.0
    fits_well: bool = True
    device: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (the catalogue row under ``device``)."""
        return {
            "sku": self.sku,
            "name": self.name,
            "rank": self.rank,
            "kind": self.kind,
            "distance": float(self.distance),
            "fit_score": float(self.fit_score),
            "reasons": list(self.reasons),
            "dropped_features": list(self.dropped_features),
            "confidence": round(float(self.confidence), 3),
            "fits_well": bool(self.fits_well),
            "device": dict(self.device),
        }


@dataclass(frozen=True)
class BatchMatch:
    """Result of :meth:`InsoleMatcher.match_many` for ``n`` feet and ``k`` neighbours.

    Attributes
    ----------
    indices : (n, k) int
        Catalogue row of each match, best first; -1 where fewer than ``k`` devices pass the
        hard constraints.
    skus : (n, k) object
        SKUs (``''`` where there is no match).
    distances : (n, k) float
        Weighted standardized distances (``inf`` where no match).
    fit_scores : (n, k) float
        0-100 (``nan`` where no match).
    n_candidates : (n,) int
        Devices that passed the hard constraints for each foot.
    dropped : (n, 4) bool
        Features missing for each foot (left out of its distance), columns ``feature_names``.
    gates : (n,) int
        Each foot's rule gate (``footfit.insoles.rules.GATE_*`` bits: pronated, highly
        supinated, forefoot overload, cavus).
    confidence : (n,) float
        Share of the distance's weight measured for each foot.
    no_fit_score : float
        The threshold below which a foot's best device does not fit well.
    feature_names : tuple of str
    """

    indices: IntArray
    skus: np.ndarray
    distances: FloatArray
    fit_scores: FloatArray
    n_candidates: IntArray
    dropped: np.ndarray
    gates: IntArray
    confidence: FloatArray
    no_fit_score: float
    feature_names: tuple[str, ...] = FEATURES

    @property
    def matched(self) -> np.ndarray:
        """``(n,)`` bool: at least one device passed the hard constraints."""
        return self.indices[:, 0] >= 0

    @property
    def fits_well(self) -> np.ndarray:
        """``(n,)`` bool: the best device scores at least ``no_fit_score``.

        False where no device matched.
        """
        best = np.where(self.matched, self.fit_scores[:, 0], -np.inf)
        return best >= self.no_fit_score

    def __len__(self) -> int:
        """Return the number of feet matched."""
        return int(self.indices.shape[0])
