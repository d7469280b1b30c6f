"""Client tools: Python callables of this program that the agent's code calls from its sandbox.

The gateway gives the agent's code each declared tool as a Python function; its calls come back
to the session's clients as ``tool_call`` events, and the client that declared the tool answers
with what the callable returned (or raised). See docs/tools.md.
"""
from __future__ import annotations

import asyncio
import inspect
import keyword
import typing
from dataclasses import dataclass
from typing import Any, Callable

# JSON Schema types of the annotations a tool's parameters commonly have; others are left untyped.
_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array", dict: "object"}


@dataclass(frozen=True)
class Tool:
    """A tool as the protocol declares it (``name``, ``description``, ``parameters``) and the callable answering it."""

    name: str
    description: str
    parameters: dict
    function: Callable[..., Any]

    def spec(self) -> dict:
        return {"name": self.name, "description": self.description, "parameters": self.parameters}

    async def call(self, arguments: dict) -> Any:
        """Calls the function with the call's arguments, awaiting it if it is a coroutine function;
        a plain function runs on a thread, so a slow one holds no event loop."""
        if inspect.iscoroutinefunction(self.function):
            return await self.function(**arguments)
        return await asyncio.to_thread(self.function, **arguments)


def tool(function: Callable[..., Any] | None = None, *, name: str | None = None, description: str | None = None,
         parameters: dict | None = None):
    """Makes a :class:`Tool` of a function: its name, its docstring as the description, and its
    parameters' JSON Schema from the signature (annotations ``str``, ``int``, ``float``, ``bool``,
    ``list``, ``dict``; parameters without a default are required). Each can be given instead.
    Usable as ``tool(f)``, ``@tool`` or ``@tool(name=…)``."""
    def make(f: Callable[..., Any]) -> Tool:
        tool_name = name or f.__name__
        if not tool_name.isidentifier() or keyword.iskeyword(tool_name):
            raise ValueError(f"a tool's name must be a Python identifier: {tool_name!r}")
        return Tool(tool_name, description if description is not None else inspect.getdoc(f) or "",
                    parameters if parameters is not None else _schema(f), f)
    return make if function is None else make(function)


def as_tools(tools) -> dict[str, Tool]:
    """Tools by name, from :class:`Tool` objects or plain callables; a name twice is an error."""
    made: dict[str, Tool] = {}
    for t in tools or ():
        t = t if isinstance(t, Tool) else tool(t)
        if t.name in made:
            raise ValueError(f"two tools are named {t.name!r}")
        made[t.name] = t
    return made


def _schema(f: Callable[..., Any]) -> dict:
    try:
        hints = typing.get_type_hints(f)
    except Exception:  # an annotation that does not resolve: the parameter stays untyped
        hints = {}
    properties, required = {}, []
    for p in inspect.signature(f).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.kind == p.POSITIONAL_ONLY:
            raise ValueError(f"{f.__name__}: a tool is called with keyword arguments; {p.name} is positional-only")
        annotation = typing.get_origin(hints.get(p.name)) or hints.get(p.name)
        properties[p.name] = {"type": _JSON_TYPES[annotation]} if annotation in _JSON_TYPES else {}
        if p.default is p.empty:
            required.append(p.name)
    schema: dict = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema
