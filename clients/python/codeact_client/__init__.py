"""Python client of the CodeAct gateway: sessions, turns streamed event by event, code run in a
session's sandboxed kernel, files, exports, and client tools as Python callables.

    from codeact_client import Client

    client = Client("http://localhost:8080")
    with client.chat(tools=[lookup_price]) as chat:
        for event in chat.send("What does an apple cost, twice?"):
            print(event["type"], event.get("text", ""))
        print(chat.ask("And a pear?").answer)
    print(client.execute(chat.id, "print(21 * 2)")["output"])

``AsyncClient`` offers the same calls to asyncio programs. See docs/client.md.
"""
from .chat import Action, AsyncChat, Turn
from .client import AsyncClient, Chat, Client
from .errors import CodeactError
from .http import HttpApi
from .tools import Tool, tool

__all__ = ["Action", "AsyncChat", "AsyncClient", "Chat", "Client", "CodeactError", "HttpApi", "Tool", "Turn", "tool"]
__version__ = "0.1.0"
