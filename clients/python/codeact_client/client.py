"""The client's two faces: :class:`AsyncClient` for asyncio programs and :class:`Client`, the same
calls blocking, for scripts, notebooks and evaluation harnesses. Both reach one gateway: chats over
a WebSocket (:class:`AsyncChat` / :class:`Chat`), everything else over HTTP (:class:`HttpApi`)."""
from __future__ import annotations

import asyncio
import threading
import urllib.parse
from typing import Any, AsyncIterator, Iterator

from .chat import AsyncChat, Turn
from .http import HttpApi


def _ws_url(base_url: str) -> str:
    parts = urllib.parse.urlsplit(base_url.rstrip("/"))
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    return urllib.parse.urlunsplit((scheme, parts.netloc, parts.path, "", ""))


class AsyncClient:
    """A gateway, from asyncio. ``url``: ``http(s)://host:port``; ``token``: an API key or JWT (none
    in the gateway's local mode). The HTTP calls run on threads (the standard library's HTTP is
    blocking), so they hold no event loop."""

    def __init__(self, url: str = "http://localhost:8080", token: str | None = None, *, timeout: float = 300):
        self.http = HttpApi(url, token, timeout)

    def chat(self, session_id: str | None = None, *, last_seq: int = 0, tools=(), reconnect: bool = True,
             max_backoff: float = 5.0) -> AsyncChat:
        """A WebSocket on a new session, or on ``session_id`` (replaying the events after ``last_seq``;
        ``0`` replays them all). ``tools``: callables or :class:`Tool`\\ s this client answers.
        Use as ``async with client.chat() as chat``."""
        return AsyncChat(_ws_url(self.http.base_url), self.http.headers(), session_id, last_seq, tools, reconnect, max_backoff)

    def __getattr__(self, name: str):
        """Every call of :class:`HttpApi` (``create_session``, ``execute``, ``upload``…), awaitable;
        its streams (``follow``, ``execute_stream``) as async iterators."""
        call = getattr(self.http, name)
        if name in ("follow", "execute_stream"):
            return lambda *args, **kwargs: _async_iter(lambda: call(*args, **kwargs))

        async def run(*args, **kwargs):
            return await asyncio.to_thread(call, *args, **kwargs)
        run.__doc__ = call.__doc__
        return run


async def _async_iter(make: Any) -> AsyncIterator[dict]:
    iterator = await asyncio.to_thread(make)
    done = object()
    try:
        while (item := await asyncio.to_thread(next, iterator, done)) is not done:
            yield item
    finally:
        await asyncio.to_thread(iterator.close)


class _Loop:
    """An event loop on a daemon thread, for the blocking face: each call waits for its coroutine."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="codeact-client", daemon=True).start()

    def run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def iterate(self, iterator: AsyncIterator) -> Iterator:
        done = object()
        try:
            while (item := self.run(anext(iterator, done))) is not done:
                yield item
        finally:
            self.run(iterator.aclose())


class Chat:
    """A :class:`AsyncChat`, blocking: ``send`` is a plain iterator of the turn's events, ``ask``
    returns the :class:`Turn`. Client tools (plain functions) run on their own threads."""

    def __init__(self, chat: AsyncChat, loop: _Loop):
        self._chat = chat
        self._loop = loop

    @property
    def id(self) -> str:
        return self._chat.id

    @property
    def last_seq(self) -> int:
        return self._chat.last_seq

    @property
    def reconnects(self) -> int:
        """Connections made again after one dropped."""
        return self._chat.reconnects

    def tool(self, function=None, **spec):
        return self._chat.tool(function, **spec)

    def send(self, text: str, *, options: dict | None = None, replace_last: bool = False) -> Iterator[dict]:
        return self._loop.iterate(self._chat.send(text, options=options, replace_last=replace_last))

    def ask(self, text: str, *, options: dict | None = None, replace_last: bool = False) -> Turn:
        return self._loop.run(self._chat.ask(text, options=options, replace_last=replace_last))

    def cancel(self) -> None:
        self._loop.run(self._chat.cancel())

    def events(self) -> Iterator[dict]:
        return self._loop.iterate(self._chat.events())

    def close(self) -> None:
        self._loop.run(self._chat.close())

    def __enter__(self) -> "Chat":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Client(HttpApi):
    """A gateway, blocking: every call of :class:`HttpApi`, and :meth:`chat` for the WebSocket."""

    def __init__(self, url: str = "http://localhost:8080", token: str | None = None, *, timeout: float = 300):
        super().__init__(url, token, timeout)
        self._loop: _Loop | None = None
        self._lock = threading.Lock()

    def chat(self, session_id: str | None = None, *, last_seq: int = 0, tools=(), reconnect: bool = True,
             max_backoff: float = 5.0) -> Chat:
        """As :meth:`AsyncClient.chat`, connected when it returns; use as ``with client.chat() as chat``."""
        with self._lock:
            if self._loop is None:
                self._loop = _Loop()
        chat = AsyncChat(_ws_url(self.base_url), self.headers(), session_id, last_seq, tools, reconnect, max_backoff)
        self._loop.run(chat.open())
        return Chat(chat, self._loop)
