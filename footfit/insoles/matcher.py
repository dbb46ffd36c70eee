"""k-nearest-neighbour insole matcher that explains its choice (:class:`InsoleMatcher`).

Hard constraints first (the device's length range holds the foot length; the device's use
suits the shoe style), then nearest neighbours in a standardized, weighted feature space.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from footfit._core.knn import BruteNeighbors
from footfit._core.typing import FloatArray, IntArray, PathType
from footfit._core.validation import check_choice
from footfit.exceptions import InvalidMeasurementError, InvalidParameterError, NotFittedError
from footfit.insoles.catalog import USES, InsoleCatalog, load_insole_catalog
from footfit.insoles.explain import describe_foot, explain_match
from footfit.insoles.features import (
    FEATURES,
    STYLES,
    _check_raw,
    device_targets,
    foot_feature_rows,
    load_insole_design,
    raw_features_one,
    raw_features_table,
)
from footfit.insoles.results import BatchMatch, InsoleMatch
from footfit.insoles.rules import eligible_rows, foot_gates, prescribe_insole

if TYPE_CHECKING:
    from footfit._core.typing import ArrayLike
    from footfit.classify import FootClassification
    from footfit.measure.results import FootMeasurements

__all__ = ["BatchMatch", "InsoleMatch", "InsoleMatcher"]

_METRICS = ("euclidean", "manhattan")


def _check_k(k: Any, *, name: str = "k") -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        shown = k.item() if isinstance(k, np.generic) else k  # 5.0, not np.float64(5.0)
        raise InvalidParameterError(f"`{name}` must be an int >= 1; got {shown!r}")
    return int(k)


class InsoleMatcher:
    """Match feet to the nearest pre-made insoles of a catalogue, and say why.

    Hard constraints come first: the device's length range ``[length_min_mm,
    length_max_mm)`` must hold the foot length and the device's use must suit the shoe style
    (``footfit/data/style_uses.json``). Among the devices left, the nearest neighbours
    (an exact search, :class:`~footfit._core.knn.BruteNeighbors`) in a standardized
    feature space win: foot length,
    ball width and heel width (both relative to the width expected at the foot's length,
    ANSUR II) and arch index, with the per-feature weights of
    ``footfit/data/insole_weights.json``. A missing measurement drops out of the distance with the
    other weights renormalized, and the match says so (and scores lower: ``fit_score``).

    Posting, pads and cushioning follow rules, not distances (``footfit/data/insole_rules.json``,
    LASTS.md section 7): a medially posted device only for a pronated posture (a measured
    FPI-6, or the FPI-like scan proxy, at or above the cut-off), and then a posted one; no
    lateral post unless highly supinated; a metatarsal pad only with forefoot-overload
    evidence (``forefoot_overload``; a scan carries none); a cushioned full-contact device
    for a high arch; the hallux angle only asks for toe-box room.

    Parameters
    ----------
    n_neighbors : int, default=3
        Matches returned when ``k`` is not given.
    metric : {'euclidean', 'manhattan'}, default='euclidean'
        Distance over the weighted standardized features.
    weights : mapping of str to float, optional
        Per-feature weights overriding ``footfit/data/insole_weights.json`` (keys among
        ``foot_length_mm, ball_width_mm, heel_width_mm, arch_index``; values >= 0).

    Attributes
    ----------
    catalog_ : InsoleCatalog
    targets_ : (n_devices, 4) ndarray
        Target foot of each device in the feature space (see ``footfit/data/README.md``).
    mean_, scale_ : (4,) ndarray
        Standardization of each feature: centre = mean of the device targets; scale = how
        much feet vary in it (ANSUR II SD of length, residual SDs of ball and heel width given
        length; arch index SD of ``footfit/data/insole_weights.json``).
    weights_ : (4,) ndarray
        Weights used (before renormalization over the features present).
    edges_ : (m,) ndarray
        Sorted length-range boundaries; feet between two consecutive edges share candidates.
    no_fit_score_ : float
        Best-device score below which no pre-made insole fits well (``no_fit.score``).
    nn_ : dict
        ``(uses, interval, present features, rule gate) -> (index, catalogue rows, missing
        term)``, one index per group of feet with the same candidates and the same missing
        features; built for complete feet in ``fit`` (unless ``prebuild=False``), for other
        patterns at first use (under a lock: ``match`` and ``match_many`` may be called from
        several threads).

    References
    ----------
    .. [1] DOMAIN.md section 6 (pre-made insoles; kiosks pick the nearest device).
    .. [2] Cavanagh PR, Rodgers MM (1987). J Biomech 20(5):547-551 (arch index).
    .. [3] Gordon CC et al. (2014). ANSUR II, NATICK/TR-15/007 (width lines).

    Examples
    --------
    >>> from footfit import FootMeasurements
    >>> m = FootMeasurements(side="right", foot_length_mm=265.0, ball_width_mm=100.0,
    ...                      heel_width_mm=71.0, arch_index=0.29)
    >>> best = InsoleMatcher().fit().match(m, k=1)[0]
    >>> best.device["arch_support"], best.device["length_min_mm"] <= 265.0
    ('low', True)
    """

    def __init__(
        self,
        n_neighbors: int = 3,
        *,
        metric: str = "euclidean",
        weights: Mapping[str, float] | None = None,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.metric = metric
        self.weights = weights

    # ------------------------------------------------------------------ fit
    def fit(self, catalog: InsoleCatalog | PathType | None = None, *,
            prebuild: bool = True) -> InsoleMatcher:
        """Validate the settings, load the catalogue and build the index.

        Parameters
        ----------
        catalog : InsoleCatalog or path-like, optional
            Default: ``footfit/data/insoles.csv``.
        prebuild : bool, default=True
            Build the index of every style and length interval for complete feet now (~140
            small groups, ~20 ms). ``False`` builds each group at its first use instead
            (~0.2 ms each, under the lock): what a short-lived process wants, as one scan
            needs one or two groups. Results are the same either way.

        Returns
        -------
        InsoleMatcher
            ``self``.

        Raises
        ------
        ValueError
            Bad ``n_neighbors``, ``metric`` or ``weights``.
        InvalidCatalogError
            A bad catalogue file (names the file, row and column).
        """
        _check_k(self.n_neighbors, name="n_neighbors")
        check_choice(self.metric, _METRICS, name="metric")
        design = load_insole_design()
        w = np.array([float(design["weights"]["features"][f]["weight"]) for f in FEATURES])
        if self.weights is not None:
            if not isinstance(self.weights, Mapping):
                raise TypeError(f"`weights` must be a mapping; got {type(self.weights).__name__}")
            for name, value in self.weights.items():
                check_choice(name, FEATURES, name="weights key")
                v = float(value)
                if not np.isfinite(v) or v < 0:
                    raise InvalidParameterError(
                        f"`weights[{name!r}]` must be a finite number >= 0; "
                        f"got {value!r}"
                    )
                w[FEATURES.index(name)] = v
        if w.sum() <= 0:
            raise InvalidParameterError(f"`weights` must not all be 0; got {self.weights!r}")
        if catalog is None or not isinstance(catalog, InsoleCatalog):
            catalog = load_insole_catalog(catalog)
        targets = device_targets(catalog, design)
        self.design_ = design
        self.catalog_ = catalog
        self.targets_ = targets
        self.weights_ = w
        self.mean_ = targets.mean(axis=0)
        self.scale_ = np.array(design["scale"], dtype=np.float64)
        self._z = (targets - self.mean_) / self.scale_
        prior = design["weights"]["missing_features"]["tie_break_prior"]
        self._prior_z = (np.array([float(prior[f]) for f in FEATURES]) - self.mean_) / self.scale_
        lo = catalog.column("length_min_mm")
        hi = catalog.column("length_max_mm")
        # return_counts: numpy >= 2.3 imports numpy.ma (~40 ms) for the plain np.unique
        self.edges_ = np.unique(np.concatenate([lo, hi]), return_counts=True)[0]
        # rows whose range covers the whole elementary interval [edges_[j], edges_[j+1])
        self._covers = (lo[None, :] <= self.edges_[:-1, None]) & (
            hi[None, :] >= self.edges_[1:, None])
        self._use = np.asarray(catalog.column("use"))
        self._score_scale = float(design["weights"]["fit_score"]["scale"])
        self.no_fit_score_ = float(design["weights"]["no_fit"]["score"])
        self._lock = threading.Lock()
        self.nn_: dict[tuple[Any, ...], tuple[Any, IntArray, FloatArray]] = {}
        full = (True,) * len(FEATURES)
        for style in STYLES if prebuild else ():
            uses = tuple(design["style_uses"][style])
            for j in range(len(self.edges_) - 1):
                self._index(uses, j, full, 0)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "nn_"):
            raise NotFittedError(
                "This InsoleMatcher is not fitted yet; call fit() before match()"
            )

    def _index(
        self, uses: tuple[str, ...], j: int, present: tuple[bool, ...], gate: int
    ) -> tuple[Any, IntArray, FloatArray]:
        """Return the (index, rows, missing term) of one group, building it on first use."""
        key = (uses, j, present, gate)
        hit = self.nn_.get(key)
        if hit is not None:
            return hit
        with self._lock:  # concurrent first uses of a pattern build it once
            hit = self.nn_.get(key)
            if hit is None:
                hit = self._build(uses, j, present, gate)
                self.nn_[key] = hit
            return hit

    def _build(
        self, uses: tuple[str, ...], j: int, present: tuple[bool, ...], gate: int
    ) -> tuple[Any, IntArray, FloatArray]:
        rank = np.full(len(self._use), len(USES), dtype=np.intp)
        for r, u in enumerate(uses):
            rank[self._use == u] = r
        ok = self._covers[j] & (rank < len(uses))
        rows = eligible_rows(self.catalog_.columns, np.flatnonzero(ok), gate)
        if rows.size == 0:
            return None, rows, np.zeros(0)
        # Ties in distance keep this order: use preference, then (when features are missing)
        # the device made for the typical foot in those features, then catalogue order.
        miss = ~np.array(present)
        prior = (self._z[rows] - self._prior_z)[:, miss] ** 2 @ self.weights_[miss]
        rows = rows[np.lexsort((rows, np.round(prior, 9), rank[rows]))]
        coef = self._coef(np.array(present))
        index = self._make_index(self._z[rows][:, coef > 0] * coef[coef > 0])
        return index, rows, self._missing_term(rows, np.array(present))

    def _missing_term(self, rows: IntArray, present: np.ndarray) -> FloatArray:
        """Return the expected contribution of the missing features to each row's score distance.

        Per missing feature, ``w (prior - target)^2 + w`` in standardized units (the
        population SD is 1), weights normalized over all features; for the manhattan metric
        the root of the same (the RMS deviation stands in for the mean absolute one).
        """
        w = self.weights_ / self.weights_.sum()
        miss = ~present
        dev2 = (self._z[rows][:, miss] - self._prior_z[miss]) ** 2 + 1.0
        if self.metric == "euclidean":
            return dev2 @ w[miss]
        return np.sqrt(dev2) @ w[miss]

    def _confidence(self, present: np.ndarray) -> FloatArray:
        """Share of the weight measured, ``(n,)`` from ``(n, 4)`` present flags."""
        return (present @ self.weights_) / self.weights_.sum()

    def _score_distance(self, d: FloatArray, miss: FloatArray, share: float) -> FloatArray:
        """Return the distance the score rests on.

        The measured part (``d`` renormalized over the present features, scaled back to all
        weights) plus the expected missing part.
        """
        if self.metric == "euclidean":
            return np.sqrt(d**2 * share + miss)
        return d * share + miss

    def _make_index(self, x: FloatArray) -> Any:
        """Return the exact neighbour index of one group's weighted rows ``x``.

        A group holds at most a few dozen devices: a vectorized scan over all of them is
        faster than scikit-learn's kd-tree (same neighbours and distances; its single query
        costs ~0.1 ms of validation and its import ~1 s) and than scipy's cKDTree
        (``footfit bench``, ``ratio_knn_*``). Any object with ``distances(q)`` -> ``(m,
        len(x))`` would do.
        """
        return BruteNeighbors(n_neighbors=x.shape[0], metric=self.metric).fit(x)

    def _coef(self, present: np.ndarray) -> FloatArray:
        """Return the per-feature multipliers of standardized values.

        Renormalized weights (sqrt for the euclidean metric), 0 for a missing feature.
        """
        w = np.where(present, self.weights_, 0.0)
        total = w.sum()
        if total <= 0:
            raise InvalidMeasurementError(
                "every weighted feature is missing: nothing to match on besides the length"
            )
        w = w / total
        return np.sqrt(w) if self.metric == "euclidean" else w

    def _uses_for(self, style: str, use: Any) -> tuple[str, ...]:
        allowed = tuple(self.design_["style_uses"][check_choice(style, STYLES, name="style")])
        if use is None:
            return allowed
        wanted = (use,) if isinstance(use, str) else tuple(use)
        for u in wanted:
            check_choice(u, USES, name="use")
            if u not in allowed:
                raise InvalidParameterError(
                    f"`use` {u!r} does not suit style {style!r} (allowed: {', '.join(allowed)}; "
                    "footfit/data/style_uses.json)"
                )
        return tuple(u for u in allowed if u in wanted)

    def _interval(self, fl: FloatArray) -> IntArray:
        j = np.searchsorted(self.edges_, fl, side="right") - 1
        return np.where((j < 0) | (j >= len(self.edges_) - 1), -1, j)

    def _score(self, d: FloatArray) -> FloatArray:
        return 100.0 * np.exp(-0.5 * (d / self._score_scale) ** 2)

    # --------------------------------------------------------------- search
    def _search(
        self, zq: FloatArray, uses: tuple[str, ...], j: int, present: tuple[bool, ...],
        gate: int, k: int,
    ) -> tuple[IntArray, FloatArray, FloatArray, int]:
        """Return the k best rows of standardized queries sharing one group.

        With their distances and fit scores.
        """
        n = zq.shape[0]
        idx = np.full((n, k), -1, dtype=np.intp)
        dist = np.full((n, k), np.inf)
        score = np.full((n, k), np.nan)
        got = None if j < 0 else self._index(uses, j, present, gate)
        if got is None or got[0] is None:
            return idx, dist, score, 0
        nn, rows, miss = got
        pres = np.array(present)
        coef = self._coef(pres)
        q = zq[:, coef > 0] * coef[coef > 0]
        d = nn.distances(q)
        # exact ties (to 1e-12) keep the preference order of `rows` (use rank, then
        # catalogue order): a stable sort of the rounded distances
        pos = np.argsort(np.round(d, 12), axis=1, kind="stable")[:, :k]
        d = np.take_along_axis(d, pos, axis=1)
        m = pos.shape[1]
        idx[:, :m] = rows[pos]
        dist[:, :m] = d
        share = float(self._confidence(pres[None, :])[0])
        score[:, :m] = self._score(self._score_distance(d, miss[pos], share))
        return idx, dist, score, int(rows.size)

    def match(
        self,
        features: FootMeasurements | Mapping[str, Any],
        k: int | None = None,
        *,
        style: str = "sport",
        use: str | Sequence[str] | None = None,
        classification: FootClassification | None = None,
        foot_posture_index: float | None = None,
        forefoot_overload: bool | None = None,
    ) -> list[InsoleMatch]:
        """Return the ``k`` best pre-made insoles for one foot, best first, with reasons.

        Parameters
        ----------
        features : FootMeasurements or mapping
            The foot; a mapping uses the ``FootMeasurements`` field names (``None`` or NaN =
            missing, optional ``missing`` = {field: reason}). ``foot_length_mm`` is required.
        k : int, optional
            Matches wanted; default ``n_neighbors``. Fewer come back when fewer devices pass
            the hard constraints.
        style : {'sport', 'casual', 'dress_round', 'dress_pointed', 'boot', \
'open_sandal', 'closed_sandal'}, default='sport'
            Shoe the insole goes into; only uses that suit it are considered.
        use : str or sequence of str, optional
            Restrict further to these uses (each must suit ``style``).
        classification : FootClassification, optional
            Used for the words of the reasons (arch and width classes and their rules);
            computed from ``features`` when absent.
        foot_posture_index : float, optional
            A measured Foot Posture Index (FPI-6, -12..+12), e.g. from a clinician; it
            replaces the FPI-like scan proxy in the posting rule. Also read from a mapping's
            ``foot_posture_index`` key.
        forefoot_overload : bool, optional
            Forefoot (MTH2-4) overload evidence (pressure plate, symptoms): the only way a
            device with a metatarsal pad is chosen. Also read from a mapping's key.

        Returns
        -------
        list of InsoleMatch
            Length ``min(k, candidates)``. Every match's reasons include the rules applied
            (posture, post, pad, cushioning, toe-box advice) and, when the best device scores
            below ``no_fit_score_``, that no pre-made insole fits well.

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        InvalidMeasurementError
            Foot length missing or out of range, or no device of a suitable use covers it
            (the message gives the lengths the catalogue covers for this style).
        ValueError
            Unknown style or use, or a use that does not suit the style.
        """
        self._check_fitted()
        k = _check_k(self.n_neighbors if k is None else k)
        uses = self._uses_for(style, use)
        raw, reasons, extras = raw_features_one(features)
        if foot_posture_index is not None:
            extras["foot_posture_index"] = np.array([float(foot_posture_index)])
        if forefoot_overload is not None:
            if not isinstance(forefoot_overload, (bool, np.bool_)):
                raise TypeError("`forefoot_overload` must be True, False or None; "
                                f"got {forefoot_overload!r}")
            extras["forefoot_overload"] = np.array([float(forefoot_overload)])
        _check_raw(raw[None, :], where="")
        zq = (foot_feature_rows(raw[None, :], self.design_) - self.mean_) / self.scale_
        present = tuple(bool(v) for v in np.isfinite(raw))
        zq = np.where(np.isfinite(zq), zq, 0.0)
        j = int(self._interval(raw[:1])[0])
        fpi = extras["foot_posture_index"]
        over = extras["forefoot_overload"]
        gates, _, _ = foot_gates(raw[3:4], fpi, np.nan_to_num(over) > 0)
        gate = int(gates[0])
        idx, dist, scores, n_cand = self._search(zq, uses, j, present, gate, k)
        if n_cand == 0:
            ok = np.isin(self._use, uses)
            lo = self.catalog_.column("length_min_mm")[ok].min()
            hi = self.catalog_.column("length_max_mm")[ok].max()
            raise InvalidMeasurementError(
                f"no pre-made insole for style {style!r} ({', '.join(uses)}) fits foot length "
                f"{raw[0]:.1f} mm (those devices span {lo:g}-{hi:g} mm); a custom insole is "
                "needed"
            )
        dropped = tuple(f for f, p in zip(FEATURES, present, strict=True) if not p)
        confidence = float(self._confidence(np.array(present)[None, :])[0])
        rx = prescribe_insole(
            arch_index=float(raw[3]),
            hallux_valgus_angle_deg=float(extras["hallux_valgus_angle_deg"][0]),
            foot_posture_index=None if np.isnan(fpi[0]) else float(fpi[0]),
            forefoot_overload=None if np.isnan(over[0]) else bool(over[0]),
            gate=gate,
        )
        foot = describe_foot(raw, reasons, classification=classification)
        best = float(scores[0, 0])
        fits = best >= self.no_fit_score_
        out = []
        for rank, (i, d, s) in enumerate(zip(idx[0], dist[0], scores[0], strict=True), start=1):
            if i < 0:
                break
            row = self.catalog_.row(int(i))
            words = explain_match(foot, row, self.targets_[i], dropped, design=self.design_,
                                  prescription=rx, confidence=confidence,
                                  best_score=best, no_fit_score=self.no_fit_score_)
            out.append(InsoleMatch(
                sku=row["sku"], name=row["name"], rank=rank, distance=float(d),
                fit_score=float(s), reasons=words, dropped_features=dropped,
                confidence=confidence, fits_well=bool(s >= self.no_fit_score_) and fits,
                device=row,
            ))
        return out

    def match_many(
        self,
        features_table: (Mapping[str, ArrayLike]
                         | Sequence[FootMeasurements | Mapping[str, Any]]),
        k: int | None = None,
        *,
        style: str | Sequence[str] = "sport",
    ) -> BatchMatch:
        """Match a batch of feet in one vectorized call.

        Feet are grouped by shoe style, length interval (same candidates) and pattern of
        missing features; each group is one vectorized distance computation.

        Parameters
        ----------
        features_table : mapping of str to (n,) array_like, or sequence
            Columns named like ``FootMeasurements`` fields (``NaN`` or ``None`` = missing; an
            absent column is missing for every foot), or a sequence of ``FootMeasurements``
            or mappings. Optional rule columns: ``foot_posture_index`` (measured FPI-6) and
            ``forefoot_overload`` (True/False/None), as in :meth:`match`.
        k : int, optional
            Default ``n_neighbors``.
        style : str or (n,) sequence of str, default='sport'
            One style for all feet or one per foot.

        Returns
        -------
        BatchMatch
            Feet no device covers get index -1 (``matched`` is False): no error is raised
            for a batch.

        Raises
        ------
        NotFittedError, InvalidMeasurementError, ValueError
            As :meth:`match` (a missing or out-of-range value names its row).
        """
        self._check_fitted()
        k = _check_k(self.n_neighbors if k is None else k)
        raw, extras = raw_features_table(features_table)
        n = raw.shape[0]
        _check_raw(raw, where="`features_table`: ")
        if isinstance(style, str):
            style_code = np.zeros(n, dtype=np.intp)
            style_names = [check_choice(style, STYLES, name="style")]
        else:
            styles = np.asarray(list(style), dtype=object)
            if styles.shape != (n,):
                raise InvalidParameterError(
                    f"`style` must be a str or have {n} entries; got {styles.shape}"
                )
            style_names, style_code = np.unique(styles, return_inverse=True)
            for s in style_names:
                check_choice(s, STYLES, name="style")
        present = np.isfinite(raw)
        zq = (foot_feature_rows(raw, self.design_) - self.mean_) / self.scale_
        zq = np.where(present, zq, 0.0)
        j = self._interval(raw[:, 0])
        gates, _, _ = foot_gates(raw[:, 3], extras["foot_posture_index"],
                                 np.nan_to_num(extras["forefoot_overload"]) > 0)
        bits = present @ (1 << np.arange(len(FEATURES)))
        n_int = len(self.edges_)
        n_gate = int(gates.max(initial=0)) + 1
        key = ((style_code * (n_int + 1) + (j + 1)) * (1 << len(FEATURES)) + bits) * n_gate + gates
        uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        idx = np.full((n, k), -1, dtype=np.intp)
        dist = np.full((n, k), np.inf)
        scores = np.full((n, k), np.nan)
        n_cand = np.zeros(n, dtype=np.intp)
        order = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[order], np.arange(len(uniq) + 1))
        for g, f in enumerate(first):
            members = order[bounds[g]:bounds[g + 1]]
            uses = tuple(self.design_["style_uses"][str(style_names[style_code[f]])])
            pres = tuple(bool(p) for p in present[f])
            gi, gd, gs, nc = self._search(zq[members], uses, int(j[f]), pres, int(gates[f]), k)
            idx[members], dist[members], scores[members], n_cand[members] = gi, gd, gs, nc
        skus = np.where(idx >= 0, np.asarray(self.catalog_.column("sku"))[idx], "")
        return BatchMatch(indices=idx, skus=skus.astype(object), distances=dist,
                          fit_scores=scores, n_candidates=n_cand, dropped=~present,
                          gates=gates, confidence=self._confidence(present),
                          no_fit_score=self.no_fit_score_)
