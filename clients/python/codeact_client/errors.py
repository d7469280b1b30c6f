"""The one error type of the client: every refusal of the gateway carries the protocol's error code."""
from __future__ import annotations


class CodeactError(Exception):
    """The gateway refused a request, or a session could not go on.

    ``code`` is the protocol's error code (``session_not_found``, ``turn_in_progress``,
    ``overloaded``…, see docs/protocol.md), the same for the WebSocket and the HTTP API;
    ``retry_after`` (seconds) is set when the same request may succeed later; ``status`` is the
    HTTP status when the refusal came over HTTP.
    """

    def __init__(self, code: str, message: str, *, retry_after: float | None = None, status: int | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retry_after = retry_after
        self.status = status
