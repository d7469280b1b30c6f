"""The ``websockets`` library across the versions Debian ships: 10.x (Debian 12, its original
asyncio API) and 13 or later (Debian 13, the new asyncio API). The client needs only connect,
send, receive and close."""
from __future__ import annotations

import websockets
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from .errors import CodeactError

try:  # websockets 13+
    from websockets.asyncio.client import connect as _connect

    _HEADERS = "additional_headers"
except ImportError:  # websockets 10–12
    from websockets.client import connect as _connect

    _HEADERS = "extra_headers"

__all__ = ["ConnectionClosed", "connect", "close_reason", "version"]

version = websockets.__version__
# An observation with figures can be megabytes; the gateway bounds what it sends.
MAX_FRAME = 64 * 1024 * 1024


async def connect(url: str, headers: dict[str, str]):
    """An open WebSocket; an upgrade the gateway refuses (401, 403) is a :class:`CodeactError`."""
    try:
        # No permessage-deflate: the gateway declines it (token frames are too small to gain).
        return await _connect(url, **{_HEADERS: headers}, max_size=MAX_FRAME, compression=None, open_timeout=30)
    except InvalidHandshake as e:
        status = getattr(e, "status_code", None) or getattr(getattr(e, "response", None), "status_code", None)
        code = {401: "unauthorized", 403: "forbidden_origin"}.get(status, "handshake_failed")
        raise CodeactError(code, f"the gateway refused the WebSocket: {e}", status=status) from None


def close_reason(ws) -> str | None:
    """The reason of the close frame the gateway sent (e.g. ``slow_consumer``), if any."""
    frame = getattr(ws, "close_rcvd", None)
    return (frame.reason if frame is not None else getattr(ws, "close_reason", None)) or None
