"""One WebSocket on a session (docs/protocol.md), on asyncio and the ``websockets`` library.

A reader task takes every frame as it comes: it answers the calls of this client's tools at once
(whether or not anyone iterates the events), remembers the last seq, reconnects after a dropped
connection and resumes after that seq (so nothing is missed and nothing is seen twice), and hands
the events to whoever reads them: :meth:`AsyncChat.send` (one turn's events), :meth:`AsyncChat.ask`
(a turn collected) or :meth:`AsyncChat.events` (everything).
"""
from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Callable

from . import _websockets
from .errors import CodeactError
from .tools import Tool, as_tools, tool as make_tool

# The gateway closes the connection after these: reconnecting would get the same answer.
_FINAL = {"session_not_found", "forbidden", "too_many_sessions", "too_many_connections", "unauthorized",
          "forbidden_origin", "session_full"}
# Codes with seq 0 that do not refuse a message just sent (a late answer to a tool call).
_NOT_A_REFUSAL = {"unknown_tool_call"}
_CLOSED = object()


@dataclass
class Action:
    """A code action of a turn and how it ended (``observation`` is the ``observation`` event)."""

    code: str
    output: str = ""
    observation: dict | None = None

    @property
    def result(self) -> dict:
        return (self.observation or {}).get("result", {})


@dataclass
class Turn:
    """A turn collected: the model's whole reply (``text``, code actions included), each action
    with its output and observation, why it ended (``reason``: ``answer``, ``max_actions``,
    ``cancelled``, ``error``), the error that ended it, and every event."""

    number: int
    text: str = ""
    actions: list[Action] = field(default_factory=list)
    reason: str | None = None
    error: dict | None = None
    usage: dict | None = None
    events: list[dict] = field(default_factory=list)

    @property
    def answer(self) -> str:
        """The reply after its last code action: what the model answered."""
        return self.text.rsplit("</execute>", 1)[-1].strip()


class AsyncChat:
    """A WebSocket on one session. Made by :meth:`AsyncClient.chat`; use as ``async with``."""

    def __init__(self, ws_url: str, headers: dict[str, str], session_id: str | None, last_seq: int,
                 tools, reconnect: bool, max_backoff: float):
        self._ws_url = ws_url
        self._headers = headers
        self.id = session_id
        self.last_seq = last_seq
        self._tools: dict[str, Tool] = as_tools(tools)
        self._declared = bool(self._tools)
        self._reconnect = reconnect
        self._max_backoff = max_backoff
        self._queue: asyncio.Queue = asyncio.Queue()
        self._ws = None
        self._reader: asyncio.Task | None = None
        self._answering: set[asyncio.Task] = set()
        self._closing = False
        self.first: dict | None = None
        #: Connections made again after one dropped.
        self.reconnects = 0

    # --- opening and closing ----------------------------------------------------------------

    async def open(self) -> "AsyncChat":
        """Connects; a new session waits for its ``session`` event, which names it."""
        self._ws = await self._connect()
        if self.id is None:
            self.first = json.loads(await self._ws.recv())
            if self.first.get("type") == "error":
                raise CodeactError(self.first["code"], self.first.get("message", ""), retry_after=self.first.get("retry_after"))
            self.id = self.first["session"]
            self.last_seq = self.first["seq"]
        self._reader = asyncio.create_task(self._read())
        return self

    async def close(self) -> None:
        self._closing = True
        for task in list(self._answering):
            task.cancel()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):
                pass

    async def __aenter__(self) -> "AsyncChat":
        return self if self._reader is not None else await self.open()

    async def __aexit__(self, *exc) -> None:
        await self.close()

    # --- what a client does -----------------------------------------------------------------

    def tool(self, function: Callable[..., Any] | Tool | None = None, **spec):
        """Declares a client tool (a callable, or a :class:`Tool`), sent with the next message.
        Also a decorator: ``@chat.tool`` or ``@chat.tool(name=…)``."""
        def add(f):
            t = f if isinstance(f, Tool) else make_tool(f, **spec)
            self._tools[t.name] = t
            self._declared = True
            return f
        return add if function is None else add(function)

    async def send(self, text: str, *, options: dict | None = None, replace_last: bool = False) -> AsyncIterator[dict]:
        """Starts a turn with the user's message and yields its events as they come, ending with
        its ``turn_end``. ``replace_last``: the message replaces the last turn's (edit and resend,
        or regenerate with the same text); the model is told the history before that turn, and the
        kernel keeps its state. Raises :class:`CodeactError` when the gateway refuses the message
        (``turn_in_progress``, ``rate_limited``, ``overloaded``…) or the session ends."""
        while not self._queue.empty():  # what came before this message is not this turn's
            earlier = self._queue.get_nowait()
            if earlier is _CLOSED or isinstance(earlier, CodeactError):
                self._queue.put_nowait(earlier)  # the chat's end is not dropped: the events below raise it
                break
        frame: dict[str, Any] = {"type": "user_message", "text": text}
        if options:
            frame["options"] = options
        if self._declared:
            frame["tools"] = [t.spec() for t in self._tools.values()]
        if replace_last:
            frame["replace_last"] = True
        await self._send(frame)
        turn = None
        async for event in self.events():
            kind = event["type"]
            if turn is None:
                if kind == "error" and event.get("seq") == 0 and "turn" not in event and event["code"] not in _NOT_A_REFUSAL:
                    raise CodeactError(event["code"], event.get("message", ""), retry_after=event.get("retry_after"))
                if kind == "turn_start":
                    turn = event["turn"]
            yield event
            if kind == "turn_end" and event.get("turn") == turn:
                return

    async def ask(self, text: str, *, options: dict | None = None, replace_last: bool = False) -> Turn:
        """A whole turn: sends the message and collects the turn's events into a :class:`Turn`."""
        result: Turn | None = None
        actions: dict[str, Action] = {}
        async for event in self.send(text, options=options, replace_last=replace_last):
            kind = event["type"]
            if kind == "turn_start":
                result = Turn(event["turn"])
            if result is None:
                continue
            result.events.append(event)
            if kind == "token":
                result.text += event["text"]
            elif kind == "action":
                actions[event["action_id"]] = Action(event["code"])
                result.actions.append(actions[event["action_id"]])
            elif kind == "action_restarted" and event["action_id"] in actions:
                actions[event["action_id"]].output = ""
            elif kind == "observation_chunk" and event["action_id"] in actions:
                actions[event["action_id"]].output += event["text"]
            elif kind == "observation" and event["action_id"] in actions:
                actions[event["action_id"]].observation = event
                actions[event["action_id"]].output = event["result"].get("output", "")
            elif kind == "error" and "turn" in event:
                result.error = event
            elif kind == "turn_end":
                result.reason, result.usage = event["reason"], event.get("usage")
        return result

    async def cancel(self) -> None:
        """Stops the running turn: the model's stream, or the running code (its kernel keeps its state)."""
        await self._send({"type": "cancel"})

    async def events(self) -> AsyncIterator[dict]:
        """Every event of the session as it comes (this client's connection-local ones too)."""
        while True:
            event = await self._queue.get()
            if event is _CLOSED or isinstance(event, CodeactError):
                self._queue.put_nowait(event)  # for every later reader too
                if event is _CLOSED:
                    raise CodeactError("closed", "the chat was closed")
                raise event
            yield event

    # --- the connection -----------------------------------------------------------------------

    async def _connect(self):
        url = self._ws_url + "/v1/sessions"
        if self.id is not None:
            url += f"/{self.id}?last_seq={self.last_seq}"
        return await _websockets.connect(url, self._headers)

    async def _send(self, frame: dict) -> None:
        try:
            await self._ws.send(json.dumps(frame))
        except _websockets.ConnectionClosed:
            # The reader reconnects; a message is not sent twice behind the caller's back.
            raise CodeactError("disconnected", "the connection dropped before the frame was sent; send it again") from None

    async def _read(self) -> None:
        backoff = 0.1
        last_error: dict | None = None
        while True:
            try:
                async for raw in self._ws:
                    backoff = 0.1
                    event = json.loads(raw)
                    seq = event.get("seq", 0)
                    if seq:
                        if seq <= self.last_seq:
                            continue  # replayed after a reconnect: seen already
                        self.last_seq = seq
                    if event.get("type") == "error":
                        last_error = event
                    if event.get("type") == "tool_call" and event.get("source") == "client":
                        self._answer(event)
                    self._queue.put_nowait(event)
            except _websockets.ConnectionClosed:
                pass
            if self._closing:
                self._queue.put_nowait(_CLOSED)
                return
            code = (last_error or {}).get("code") or _websockets.close_reason(self._ws)
            if not self._reconnect or code in _FINAL:
                self._queue.put_nowait(CodeactError(code or "disconnected", (last_error or {}).get("message", "the connection closed")))
                return
            while True:
                await asyncio.sleep(backoff * (0.5 + random.random() / 2))
                backoff = min(backoff * 2, self._max_backoff)
                try:
                    self._ws = await self._connect()
                    self.reconnects += 1
                    last_error = None
                    break
                except CodeactError as e:
                    if e.code in _FINAL:
                        self._queue.put_nowait(e)
                        return
                except OSError:
                    pass

    def _answer(self, call: dict) -> None:
        tool = self._tools.get(call["tool"])
        if tool is None:
            return  # another client's tool: that client answers

        async def answer():
            try:
                value = await tool.call(call.get("arguments") or {})
                frame = {"type": "tool_result", "call_id": call["call_id"], "value": value}
                json.dumps(frame)
            except Exception as e:  # the code gets it as ToolError
                frame = {"type": "tool_result", "call_id": call["call_id"], "error": f"{type(e).__name__}: {e}"}
            try:
                await self._ws.send(json.dumps(frame))
            except _websockets.ConnectionClosed:
                pass  # the call times out for the code, as a lost answer does
        task = asyncio.create_task(answer())
        self._answering.add(task)
        task.add_done_callback(self._answering.discard)
