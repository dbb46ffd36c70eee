"""HTTP plumbing of the kiosk service: upload limits, slow clients, upload names.

:class:`LimitUpload` bounds a request body's size and time, :func:`h11_with_header_timeout`
closes connections whose headers never arrive, and the helpers name an upload in messages
(its base name, never the server's temporary path). Standard library only; uvicorn is
imported when the protocol is built.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from typing import Any

__all__ = ["KNOWN_EXTENSIONS", "LimitUpload", "display_name", "extension",
           "h11_with_header_timeout", "known_extensions", "named", "one_line",
           "unknown_extension_message"]

#: Scan extensions accepted for upload (the formats ``footfit.load_scan`` reads).
KNOWN_EXTENSIONS: tuple[str, ...] = (
    ".ply", ".pcd", ".xyz", ".asc", ".txt", ".csv", ".obj", ".stl", ".off", ".npy", ".npz",
)

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ ()+-]")


class LimitUpload:
    """ASGI middleware: answer 413 to a POST whose body passes ``limit`` bytes.

    A ``Content-Length`` above the limit is refused before the body is read. A body that
    grows past it (chunked uploads) is cut there: the rest is read and dropped (bounded), the
    app sees the body end, and whatever it answers is replaced by the 413.
    """

    def __init__(self, app: Any, *, limit: int, deadline_s: float | None = None) -> None:
        self.app, self.limit, self.deadline_s = app, limit, deadline_s
        # Read (and drop) up to this much more of an oversized stream before answering, so a
        # client still sending gets its 413 instead of a connection reset; past it, cut.
        self._drain_cap = max(1 << 20, min(limit, 8 << 20))

    async def _send_413(self, send: Any) -> None:
        await self._send_error(send, 413, "too_large",
                               f"upload larger than the limit of {self.limit} bytes")

    async def _send_error(self, send: Any, status: int, code: str, detail: str) -> None:
        body = json.dumps({"detail": detail, "code": code}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Pass the request on, its body bounded in size and time (413 / 408 beyond)."""
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await self._send_413(send)
            return
        guard = _BodyGuard(self, receive, send)
        try:
            await self.app(scope, guard.receive, guard.send)
        except Exception:
            if not guard.stopped:
                raise
        if guard.stopped and not guard.replaced:
            await guard.refuse()


class _BodyGuard:
    """One request's body under :class:`LimitUpload`: counted, timed, cut when too much."""

    def __init__(self, limiter: LimitUpload, receive: Any, send: Any) -> None:
        self.limiter, self._receive, self._send = limiter, receive, send
        self.seen = 0
        self.exceeded = self.too_slow = self.replaced = False
        self.deadline = (None if limiter.deadline_s is None
                         else asyncio.get_running_loop().time() + limiter.deadline_s)

    @property
    def stopped(self) -> bool:
        """Whether the body was cut (too large or too slow)."""
        return self.exceeded or self.too_slow

    async def _next(self) -> Any:
        if self.deadline is None:
            return await self._receive()
        # a body trickled in byte by byte must not hold the request forever
        left = max(self.deadline - asyncio.get_running_loop().time(), 0.0)
        return await asyncio.wait_for(self._receive(), left)

    async def receive(self) -> Any:
        """Return the next message of the body; a disconnect once it is cut."""
        if self.stopped:
            return {"type": "http.disconnect"}
        try:
            message = await self._next()
        except asyncio.TimeoutError:
            self.too_slow = True
            return {"type": "http.disconnect"}
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self.limiter.limit:
                self.exceeded = True
                await _drain(message, self._receive, self.limiter._drain_cap)
                # a disconnect, not a short body: the form parser then drops (and
                # closes) what it had spooled instead of handing on a truncated file
                return {"type": "http.disconnect"}
        return message

    async def refuse(self) -> None:
        """Answer 413 (too large) or 408 (too slow)."""
        if self.exceeded:
            await self.limiter._send_413(self._send)
        else:
            await self.limiter._send_error(
                self._send, 408, "timeout",
                f"request body not received within {self.limiter.deadline_s:g} s")

    async def send(self, message: Any) -> None:
        """Send the app's answer, or replace it by the refusal once the body was cut."""
        if self.stopped:
            if not self.replaced:
                self.replaced = True
                await self.refuse()
            return
        await self._send(message)


async def _drain(message: Any, receive: Any, cap: int) -> None:
    """Discard the rest of a request body, at most ``cap`` bytes."""
    drained = 0
    while message.get("more_body", False) and drained < cap:
        message = await receive()
        if message["type"] != "http.request":
            return
        drained += len(message.get("body", b""))


def known_extensions() -> tuple[str, ...]:
    """Return the loader's formats (``footfit.io.FORMATS``) as ``.ext``; ours without it."""
    try:
        from footfit.io import FORMATS
    except ImportError:  # pragma: no cover - io is part of footfit
        return KNOWN_EXTENSIONS
    return tuple("." + str(e).lower().lstrip(".") for e in FORMATS)


def unknown_extension_message(name: str, extensions: tuple[str, ...]) -> str:
    """Return the loader's own words for an unknown extension (what ``footfit process`` prints)."""
    suffix = os.path.splitext(name)[1] or "(none)"
    return (f"{name}: unknown extension {suffix}; footfit reads "
            f"{', '.join(e.lstrip('.') for e in extensions)}")


def display_name(filename: str | None) -> str:
    """Return the client's file name for messages only: base name, printable, bounded."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _SAFE_NAME.sub("_", name)[:120]
    return name or "upload"


def extension(filename: str | None) -> str:
    """Return the upload's extension (lower case; only the last suffix)."""
    name = display_name(filename).lower()
    # .ply.gz and friends are not read: take only the last suffix
    return os.path.splitext(name)[1]


def one_line(exc: BaseException) -> str:
    """Return an error's message on one line."""
    return " ".join(str(exc).split()) or type(exc).__name__


def named(exc: BaseException, path: object, name: str) -> str:
    """Return one line naming the uploaded file (never the temp path), as the CLI's messages do."""
    text = one_line(exc).replace(str(path), name)
    return text if text.startswith(name) else f"{name}: {text}"


def h11_with_header_timeout(seconds: float) -> Any:
    """Return uvicorn's h11 protocol, closing a connection whose request headers take too long.

    uvicorn times out idle keep-alive connections between requests, but not a connection
    that opens and sends nothing, or its headers byte by byte: 300 such half-open
    connections were held forever (issue #16). Here every connection must have sent a
    complete request line and headers within ``seconds`` of opening (or of its previous
    response), or it is closed.
    """
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class _Protocol(H11Protocol):
        _header_timer: Any = None

        def _arm(self) -> None:
            self._disarm()
            self._header_timer = self.loop.call_later(seconds, self._headers_too_slow)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def handle_events(self) -> None:
            before = self.cycle
            super().handle_events()
            if self.cycle is not None and self.cycle is not before:  # headers complete
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm()

    return _Protocol
