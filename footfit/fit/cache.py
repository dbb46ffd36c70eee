"""A disk cache of the stock lasts' meshes, so a fresh process does not rebuild them.

Building a stock last's mesh (the girth solve of :func:`footfit.last.build_last_mesh`) takes
tens of milliseconds; a fit simulation tries about nine of them per foot. A long-running
fitter keeps them in memory; a fresh ``footfit process`` would rebuild them every time. They
are written once to ``$FOOTFIT_CACHE`` (default ``$XDG_CACHE_HOME/footfit`` or
``~/.cache/footfit``) under a key made of footfit's version and the bytes of the tables they
are built from, so an edited table or a new version never reads a stale mesh. Set
``FOOTFIT_CACHE=off`` to turn it off. Nothing personal is stored here: stock lasts only.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable

    import trimesh

    from footfit.last.surface import LastSurface

__all__ = ["cache_dir", "load_stock_mesh", "save_stock_mesh"]

_TABLES = ("lasts.csv", "last_shape.json", "styles.json", "fit_preferences.json")
#: The layout of a cached last (part of the folder's key: a new layout never reads an old).
_FORMAT = b"stock-mesh-3: meta json + one packed float64 array; .sim beside the .npz"
#: First bytes of a ``.sim`` file: the metadata and packed arrays a simulation needs.
_SIM_MAGIC = b"FFSIM3\n\0"


def cache_dir() -> Path | None:
    """Return the cache folder of this footfit version and tables, or None when off."""
    from footfit.io.tablecache import cache_root

    root = cache_root()
    return None if root is None else root / "stock-lasts" / _key()


@lru_cache(maxsize=4)
def _key_cached(stamp: tuple[tuple[str, float, int], ...]) -> str:
    from footfit import __version__
    from footfit._data import model_path

    h = hashlib.sha256(__version__.encode() + _FORMAT)
    for name, _, _ in stamp:
        h.update(model_path(name).read_bytes())
    return h.hexdigest()[:16]


def _key() -> str:
    from footfit._data import model_path

    stamp = []
    for name in _TABLES:
        st = model_path(name).stat()
        stamp.append((name, st.st_mtime, st.st_size))
    return _key_cached(tuple(stamp))


def _jsonable(meta: dict[str, Any]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    arrays: dict[str, np.ndarray] = {}
    out: dict[str, Any] = {}
    for k, v in meta.items():
        if k == "rings":
            for rk, rv in v.items():
                if isinstance(rv, np.ndarray):
                    arrays[f"rings__{rk}"] = rv
                else:
                    out.setdefault("rings", {})[rk] = rv
        elif isinstance(v, np.ndarray):
            arrays[f"meta__{k}"] = v
        else:
            out[k] = v
    return out, arrays


def save_stock_mesh(stock_id: str, mesh: LastSurface | trimesh.Trimesh) -> None:
    """Write a stock last's mesh and metadata to the cache (best effort: never raises)."""
    folder = cache_dir()
    if folder is None:
        return
    try:
        from footfit._core.atomic import write_atomic

        folder.mkdir(parents=True, exist_ok=True)
        meta, arrays = _jsonable(dict(mesh.metadata["last"]))
        meta, packed, others = _pack(meta, arrays)
        import io

        buf = io.BytesIO()
        np.savez(buf, vertices=np.asarray(mesh.vertices), faces=np.asarray(mesh.faces),
                 meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
                 packed=packed, **others)
        write_atomic(folder / f"{stock_id}.npz", [buf.getvalue()])
        if not others:  # the simulation's part again, as one plain file read in ~0.3 ms
            text = json.dumps(meta).encode()
            head = _SIM_MAGIC + len(text).to_bytes(4, "little") + text
            head += b"\0" * (-len(head) % 8)
            write_atomic(folder / f"{stock_id}.sim", [head, packed.astype("<f8").tobytes()])
    except (OSError, TypeError, ValueError):
        return


def _pack(meta: dict[str, Any], arrays: dict[str, np.ndarray]
          ) -> tuple[dict[str, Any], np.ndarray, dict[str, np.ndarray]]:
    """Return the float64 arrays as one flat array (their names and shapes in the meta).

    A fresh process reads ~9 cached lasts: one member of the zip per last instead of six
    (each read parses a zip entry and a ``.npy`` header) halves the time it takes.
    """
    layout, parts, others = [], [], {}
    offset = 0
    for name, value in arrays.items():
        arr = np.asarray(value)
        if arr.dtype != np.float64:
            others[name] = arr
            continue
        layout.append([name, list(arr.shape), offset])
        parts.append(arr.reshape(-1))
        offset += arr.size
    packed = np.concatenate(parts) if parts else np.zeros(0)
    return {**meta, "_packed": layout}, packed, others


def _unpack(meta: dict[str, Any], packed: np.ndarray, z: Any = None) -> dict[str, np.ndarray]:
    """Return the arrays of a cached last: the packed ones, then any other member of ``z``."""
    out: dict[str, np.ndarray] = {}
    layout = meta.pop("_packed")
    for name, shape, offset in layout:
        size = int(np.prod(shape, dtype=np.int64))
        if offset + size > packed.size:
            raise KeyError(f"cached last: {name} cut short")  # read as a miss
        out[name] = packed[offset:offset + size].reshape(shape)
    for name in () if z is None else z.files:
        if name.startswith(("rings__", "meta__")) and name not in out:
            out[name] = z[name]
    return out


def _read_sim(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
    """Return the metadata and arrays of a ``.sim`` file; None when absent or not one."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if raw[:len(_SIM_MAGIC)] != _SIM_MAGIC:
        return None
    at = len(_SIM_MAGIC)
    n = int.from_bytes(raw[at:at + 4], "little")
    meta = json.loads(raw[at + 4:at + 4 + n].decode())
    start = at + 4 + n + (-(at + 4 + n) % 8)
    packed = np.frombuffer(raw, dtype="<f8", offset=start).astype(np.float64)  # writable
    return meta, _unpack(meta, packed)


class _CachedSurface:
    """A cached stock last whose vertices and faces are read from the file on first use.

    The fit simulation judges a stock last from its ring table and metadata alone (read
    at once, a few kB); the mesh itself (about 1 MB) is read only when something draws or
    exports it. ``rebuild`` makes the mesh again should the file have gone meanwhile.
    """

    def __init__(self, path: Path, metadata: dict[str, Any], rebuild: Any = None) -> None:
        self._path = path
        self._rebuild = rebuild
        self._surface: Any = None
        self.metadata = metadata

    def _mesh(self) -> Any:
        if self._surface is None:
            from footfit.last.surface import LastSurface

            try:
                with np.load(self._path, allow_pickle=False) as z:
                    surface = LastSurface(z["vertices"], z["faces"])
            except (OSError, ValueError, KeyError):
                if self._rebuild is None:
                    raise
                surface = self._rebuild()
            surface.metadata = self.metadata
            self._surface = surface
        return self._surface

    def __getattr__(self, name: str) -> Any:
        # vertices, faces, volume, export... from the mesh, read now
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._mesh(), name)


def load_stock_mesh(stock_id: str, *,
                    rebuild: Callable[[], Any] | None = None) -> Any | None:
    """Read a stock last from the cache; None when absent or unreadable.

    The metadata (with the ring table the simulation uses) is read now; the vertices and
    faces when first asked for (``rebuild()``, if given, makes the mesh should the file
    have gone by then).
    """
    folder = cache_dir()
    if folder is None:
        return None
    path = folder / f"{stock_id}.npz"
    if not path.is_file():
        return None
    try:
        sim = _read_sim(path.with_suffix(".sim"))
        if sim is None:  # the zip has it all, in more members
            with np.load(path, allow_pickle=False) as z:
                if "vertices" not in z.files or "faces" not in z.files:
                    return None
                meta = json.loads(bytes(z["meta"]).decode())
                sim = meta, _unpack(meta, z["packed"], z)
        meta, arrays = sim
        rings = dict(meta.pop("rings", {}))
        for name, value in arrays.items():
            if name.startswith("rings__"):
                rings[name[7:]] = value
            elif name.startswith("meta__"):
                meta[name[6:]] = value
        meta["rings"] = rings
        for k in ("ball_plane", "instep_plane"):
            meta[k] = tuple(tuple(v) for v in meta[k])
        return _CachedSurface(path, {"last": meta}, rebuild)
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None
