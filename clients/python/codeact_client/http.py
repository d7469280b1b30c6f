"""The HTTP side of the gateway (docs/http-api.md), blocking, on the standard library's urllib:
sessions, events, code execution, files and exports. Refusals are RFC 9457 problems carrying the
protocol's error code; they are raised as :class:`CodeactError`."""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Iterator

from .errors import CodeactError

PROBLEM = "application/problem+json"


class HttpApi:
    """One gateway's HTTP API. ``base_url`` is ``http(s)://host:port``; ``token`` an API key or JWT
    (none in the gateway's local mode); ``timeout`` the seconds a request may wait for a byte."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 300):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    # --- sessions ---------------------------------------------------------------------------

    def create_session(self) -> dict:
        """A new, empty session of the caller: its ``SessionSummary`` (``id``, ``created_at``…)."""
        return self._json("POST", "/v1/sessions")

    def sessions(self, limit: int = 50) -> list[dict]:
        """The caller's sessions, latest activity first."""
        return self._json("GET", f"/v1/sessions?limit={limit}")

    def session(self, session_id: str) -> dict:
        return self._json("GET", f"/v1/sessions/{_segment(session_id)}")

    def rename_session(self, session_id: str, title: str) -> dict:
        """Names the session in the list (1 to 80 characters); returns its summary."""
        return self._json("PATCH", f"/v1/sessions/{_segment(session_id)}", {"title": title})

    def delete_session(self, session_id: str) -> None:
        self._request("DELETE", f"/v1/sessions/{_segment(session_id)}").close()

    def events(self, session_id: str, after: int = 0, limit: int = 1000) -> list[dict]:
        """Stored events with seq after ``after``, as the WebSocket sent them."""
        return self._json("GET", f"/v1/sessions/{_segment(session_id)}/events?after={after}&limit={limit}")

    def follow(self, session_id: str, after: int = 0) -> Iterator[dict]:
        """The session's events after ``after`` as they come (Server-Sent Events), without end:
        stop iterating to stop following."""
        return self._events(self._request("GET", f"/v1/sessions/{_segment(session_id)}/events?after={after}",
                                          accept="text/event-stream", timeout=None))

    # --- code -------------------------------------------------------------------------------

    def execute(self, session_id: str, code: str, timeout_ms: int | None = None) -> dict:
        """Runs ``code`` in the session's kernel (no model) and returns its ``ExecutionResult``:
        ``output``, ``value``, ``displays``, ``error``…"""
        return self._json("POST", f"/v1/sessions/{_segment(session_id)}/execute", _execution(code, timeout_ms))

    def execute_stream(self, session_id: str, code: str, timeout_ms: int | None = None) -> Iterator[dict]:
        """The same, streamed: ``{"event": "output", …ExecutionOutput}`` while it runs, a
        ``restarted`` event if it runs again elsewhere, then ``{"event": "result", …ExecutionResult}``.
        Closing the iterator early interrupts the code."""
        return self._events(self._request("POST", f"/v1/sessions/{_segment(session_id)}/execute",
                                          _execution(code, timeout_ms), accept="text/event-stream", timeout=None),
                            until="result")

    def answer_tool(self, session_id: str, call_id: str, value: Any = None, error: str | None = None) -> None:
        """Answers a client tool's ``tool_call`` event with a value, or an error message."""
        body = {"error": error} if error is not None else {"value": value}
        self._request("POST", f"/v1/sessions/{_segment(session_id)}/tool-calls/{_segment(call_id)}", body).close()

    def tools(self) -> list[dict]:
        """The gateway's MCP tools the caller's sessions get."""
        return self._json("GET", "/v1/tools")

    # --- files and exports ------------------------------------------------------------------

    def files(self, session_id: str) -> list[dict]:
        """The working directory's files (``name``, ``size``, ``modified``)."""
        return self._json("GET", f"/v1/sessions/{_segment(session_id)}/files")

    def upload(self, session_id: str, name: str, data: bytes) -> list[dict]:
        """Puts ``data`` in the working directory as ``name``; returns the files after it."""
        with self._request("PUT", f"/v1/sessions/{_segment(session_id)}/files/{_segment(name)}", data,
                           content_type="application/octet-stream") as response:
            return json.load(response)

    def download(self, session_id: str, name: str) -> bytes:
        with self._request("GET", f"/v1/sessions/{_segment(session_id)}/files/{_segment(name)}", accept="*/*") as r:
            return r.read()

    def delete_file(self, session_id: str, name: str) -> None:
        self._request("DELETE", f"/v1/sessions/{_segment(session_id)}/files/{_segment(name)}").close()

    def notebook(self, session_id: str) -> dict:
        """The chat as a Jupyter notebook (nbformat 4.5), as a dict (``json.dump`` it to an ``.ipynb``)."""
        return self._json("GET", f"/v1/sessions/{_segment(session_id)}/notebook", accept="application/x-ipynb+json")

    def markdown(self, session_id: str) -> str:
        with self._request("GET", f"/v1/sessions/{_segment(session_id)}/markdown", accept="text/markdown") as r:
            return r.read().decode("utf-8")

    def info(self) -> dict:
        """What the gateway offers: models, limits, MCP servers (``GatewayInfo``)."""
        return self._json("GET", "/v1/info")

    # --- plumbing ---------------------------------------------------------------------------

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def _json(self, method: str, path: str, body: Any = None, accept: str = "application/json") -> Any:
        with self._request(method, path, body, accept=accept) as response:
            return json.load(response)

    def _request(self, method: str, path: str, body: Any = None, *, accept: str = "application/json",
                 content_type: str = "application/json", timeout: float | None = -1):
        data = body if isinstance(body, (bytes, bytearray)) or body is None else json.dumps(body).encode("utf-8")
        headers = {"Accept": accept, **self.headers()}
        if data is not None:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        try:
            return urllib.request.urlopen(request, timeout=self.timeout if timeout == -1 else timeout)
        except urllib.error.HTTPError as e:
            raise _refusal(e) from None

    @staticmethod
    def _events(response, until: str | None = None) -> Iterator[dict]:
        """Server-Sent Events as dicts: the JSON of each event's data, its name as ``event`` when
        the data has no ``type``; an ``error`` event (a stream that could not start or go on) is raised."""
        with response:
            name, data = None, []
            for raw in response:
                line = raw.decode("utf-8").rstrip("\r\n")
                if line.startswith(":"):
                    continue
                if line:
                    field, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if field == "event":
                        name = value
                    elif field == "data":
                        data.append(value)
                    continue
                if data:
                    event = json.loads("\n".join(data))
                    if name == "error" or event.get("type") == "error":
                        raise CodeactError(event.get("code", "error"), event.get("message", ""),
                                           retry_after=event.get("retry_after"))
                    if "type" not in event:
                        event = {"event": name or "message", **event}
                    yield event
                    if until is not None and name == until:
                        return
                name, data = None, []


def _execution(code: str, timeout_ms: int | None) -> dict:
    return {"code": code} if timeout_ms is None else {"code": code, "timeout_ms": timeout_ms}


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _refusal(e: urllib.error.HTTPError) -> CodeactError:
    body = e.read()
    retry = e.headers.get("Retry-After")
    retry_after = float(retry) if retry and retry.replace(".", "", 1).isdigit() else None
    try:
        problem = json.loads(body) if body else {}
    except ValueError:
        problem = {}
    if not isinstance(problem, dict):
        problem = {}
    code = problem.get("code") or {401: "unauthorized", 403: "forbidden", 404: "not_found"}.get(e.code, f"http_{e.code}")
    message = problem.get("detail") or problem.get("title") or body.decode("utf-8", "replace")[:500] or e.reason
    return CodeactError(code, message, retry_after=retry_after, status=e.code)
