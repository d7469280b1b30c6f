"""The client against a real gateway (CODEACT_URL: gateway + worker, runsc sandboxes, Redis), its
model the stand-in of stand_in_model.py. Run by PythonClientIT in bin/test; each test makes its own
session."""
import asyncio
import json
import os
import threading
import unittest

import stand_in_model
from codeact_client import AsyncClient, Client, CodeactError, tool

URL = os.environ["CODEACT_URL"]


def setUpModule():
    stand_in_model.start()


def code(source):
    """A reply whose one action is ``source``."""
    return f"reply: Let me run it.\n<execute>\n{source}\n</execute>"


class BlockingChat(unittest.TestCase):

    def setUp(self):
        self.client = Client(URL)

    def test_a_turn_collected_has_the_reply_the_actions_and_their_output(self):
        with self.client.chat() as chat:
            turn = chat.ask(code("print(6 * 7)"))
        self.assertEqual("answer", turn.reason)
        self.assertEqual(1, len(turn.actions))
        self.assertEqual("print(6 * 7)", turn.actions[0].code)
        self.assertEqual("42\n", turn.actions[0].output)
        self.assertEqual("runsc", turn.actions[0].result["sandbox"])
        self.assertEqual("Observed: 42", turn.answer)
        self.assertIn("<execute>", turn.text)

    def test_a_turns_events_stream_in_order_and_end_with_its_turn_end(self):
        with self.client.chat() as chat:
            events = list(chat.send(code("for i in range(3): print('line', i)")))
        kinds = [e["type"] for e in events]
        self.assertEqual("turn_start", kinds[0])
        self.assertEqual("turn_end", kinds[-1])
        self.assertLess(kinds.index("action"), kinds.index("observation"))
        seqs = [e["seq"] for e in events]
        self.assertEqual(sorted(seqs), seqs, "in seq order")
        self.assertEqual(len(set(seqs)), len(seqs), "none twice")
        chunks = "".join(e["text"] for e in events if e["type"] == "observation_chunk")
        self.assertEqual("line 0\nline 1\nline 2\n", chunks)

    def test_the_kernel_keeps_its_state_between_turns_and_executions(self):
        with self.client.chat() as chat:
            chat.ask(code("x = 20"))
            self.assertEqual("22\n", chat.ask(code("print(x + 2)")).actions[0].output)
            self.assertEqual("21", self.client.execute(chat.id, "x + 1")["value"])

    def test_client_tools_are_python_callables_the_agents_code_calls(self):
        calls = []

        def lookup_price(item: str, quantity: int = 1) -> dict:
            """The price of an item, in cents."""
            calls.append((item, quantity))
            return {"cents": 21 * quantity}

        def broken():
            raise RuntimeError("no prices today")

        with self.client.chat(tools=[lookup_price, broken]) as chat:
            turn = chat.ask(code("print(lookup_price(item='apple', quantity=2)['cents'])\n"
                                 "try:\n    broken()\nexcept ToolError as e:\n    print(e.code, e.message)"))
        self.assertEqual([("apple", 2)], calls)
        lines = turn.actions[0].output.splitlines()
        self.assertEqual("42", lines[0])
        self.assertEqual("tool_error RuntimeError: no prices today", lines[1])
        shown = [e for e in turn.events if e["type"] == "tool_call"]
        self.assertEqual(["lookup_price", "broken"], [e["tool"] for e in shown])
        self.assertEqual({"item": "apple", "quantity": 2}, shown[0]["arguments"])

    def test_a_tool_made_with_the_decorator_declares_its_schema(self):
        @tool(name="area")
        def rectangle(width: float, height: float) -> float:
            """Area of a rectangle."""
            return width * height

        self.assertEqual({"type": "object", "properties": {"width": {"type": "number"}, "height": {"type": "number"}},
                          "required": ["width", "height"]}, rectangle.parameters)
        with self.client.chat() as chat:
            chat.tool(rectangle)
            self.assertEqual("7.5\n", chat.ask(code("print(area(width=2.5, height=3))")).actions[0].output)

    def test_a_tool_call_answered_over_http_counts_first(self):
        release = threading.Event()

        def slow() -> str:
            release.wait(60)
            return "from the chat"

        with self.client.chat(tools=[slow]) as chat:
            events = []
            for event in chat.send(code("print(slow())")):
                events.append(event)
                if event["type"] == "tool_call":
                    self.client.answer_tool(chat.id, event["call_id"], "over http")
                    release.set()
        observation = next(e for e in events if e["type"] == "observation")
        self.assertEqual("over http\n", observation["result"]["output"])

    def test_a_refused_message_raises_its_code_and_the_chat_stays_usable(self):
        with self.client.chat() as chat:
            with self.assertRaises(CodeactError) as refused:
                chat.ask("reply: hi", options={"temperature": 99})
            self.assertEqual("invalid_event", refused.exception.code)
            self.assertEqual("answer", chat.ask("reply: Still here.").reason)

    def test_a_message_can_replace_the_last_turn_and_the_kernel_keeps_its_state(self):
        with self.client.chat() as chat:
            chat.ask(code("x = 1"))
            again = chat.ask(code("print(x + 1)"), replace_last=True)
        starts = [e for e in again.events if e["type"] == "turn_start"]
        self.assertEqual(1, starts[0]["replaces"])
        self.assertEqual("2\n", again.actions[0].output, "the replaced turn's variable is still there")

    def test_attaching_replays_the_session_from_a_seq(self):
        with self.client.chat() as chat:
            chat.ask("reply: First.")
            session, seen = chat.id, chat.last_seq
        with self.client.chat(session, last_seq=0) as again:
            replayed = []
            for event in again.events():
                replayed.append(event)
                if event["type"] == "turn_end":
                    break
        self.assertEqual(["session", "turn_start"], [e["type"] for e in replayed[:2]])
        self.assertEqual(seen, replayed[-1]["seq"])
        self.assertEqual("First.", "".join(e["text"] for e in replayed if e["type"] == "token"))

    def test_a_dropped_connection_is_resumed_without_a_gap_or_a_repeat(self):
        with self.client.chat() as chat:
            events = []
            for event in chat.send("slowly: " + "word " * 40):
                events.append(event)
                if len(events) == 5:
                    # The network goes: the socket is cut under the client, mid-turn.
                    chat._loop.loop.call_soon_threadsafe(chat._chat._ws.transport.abort)
            self.assertEqual(1, chat.reconnects)
        seqs = [e["seq"] for e in events]
        self.assertEqual(list(range(seqs[0], seqs[0] + len(seqs))), seqs, "every seq once, in order")
        self.assertEqual(("word " * 40).strip(), "".join(e["text"] for e in events if e["type"] == "token"))

    def test_an_unknown_session_is_refused_with_its_code(self):
        with self.assertRaises(CodeactError) as refused:
            with self.client.chat("no-such-session") as chat:
                list(chat.events())
        self.assertEqual("session_not_found", refused.exception.code)


class Http(unittest.TestCase):

    def setUp(self):
        self.client = Client(URL)
        self.session = self.client.create_session()["id"]

    def tearDown(self):
        self.client.delete_session(self.session)

    def test_execute_answers_the_result_and_streams_the_output(self):
        result = self.client.execute(self.session, "import sys\nprint('out')\nprint('err', file=sys.stderr)\n1 + 1")
        self.assertEqual("2", result["value"])
        self.assertIn("out\n", result["output"])
        events = list(self.client.execute_stream(self.session, "import time\nfor i in range(3):\n    print(i)\n    time.sleep(0.05)"))
        self.assertEqual("result", events[-1]["event"])
        self.assertEqual("0\n1\n2\n", "".join(e["text"] for e in events if e["event"] == "output"))

    def test_an_error_in_the_code_is_in_the_result(self):
        error = self.client.execute(self.session, "1 / 0")["error"]
        self.assertEqual("ZeroDivisionError", error["name"])

    def test_files_go_both_ways(self):
        listed = self.client.upload(self.session, "data.csv", b"a,b\n1,2\n")
        self.assertEqual(["data.csv"], [f["name"] for f in listed])
        self.client.execute(self.session, "open('out.txt', 'w').write(open('data.csv').read().upper())")
        self.assertEqual(b"A,B\n1,2\n", self.client.download(self.session, "out.txt"))
        self.client.delete_file(self.session, "data.csv")
        self.assertEqual(["out.txt"], [f["name"] for f in self.client.files(self.session)])
        with self.assertRaises(CodeactError) as missing:
            self.client.download(self.session, "data.csv")
        self.assertEqual(("file_not_found", 404), (missing.exception.code, missing.exception.status))

    def test_a_chat_exports_as_a_notebook_and_as_markdown(self):
        with self.client.chat(self.session) as chat:
            chat.ask(code("print('exported')"))
        notebook = self.client.notebook(self.session)
        self.assertEqual(4, notebook["nbformat"])
        cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
        self.assertEqual("print('exported')", "".join(cells[0]["source"]))
        self.assertIn("exported", json.dumps(cells[0]["outputs"]))
        self.assertIn("```python\nprint('exported')\n```", self.client.markdown(self.session))

    def test_following_the_events_yields_the_stored_ones_first(self):
        with self.client.chat(self.session) as chat:
            chat.ask("reply: Hello.")
        stream = self.client.follow(self.session, after=0)
        first = [next(stream) for _ in range(2)]
        stream.close()
        self.assertEqual(["session", "turn_start"], [e["type"] for e in first])

    def test_the_sessions_are_listed_and_a_deleted_one_is_gone(self):
        self.assertEqual([], self.client.tools(), "no MCP server is configured")
        other = self.client.create_session()["id"]
        self.assertEqual("Renamed", self.client.rename_session(other, "Renamed")["title"])
        self.assertIn(other, [s["id"] for s in self.client.sessions()])
        self.client.delete_session(other)
        with self.assertRaises(CodeactError) as gone:
            self.client.session(other)
        self.assertEqual("session_not_found", gone.exception.code)


class Async(unittest.IsolatedAsyncioTestCase):

    async def test_the_async_client_chats_executes_and_streams(self):
        client = AsyncClient(URL)
        answered = []

        async def double(n: int) -> int:
            answered.append(n)
            return 2 * n

        async with client.chat(tools=[double]) as chat:
            kinds = [e["type"] async for e in chat.send(code("print(double(n=21))"))]
            self.assertEqual("turn_end", kinds[-1])
            self.assertEqual([21], answered)
            turns = await asyncio.gather(client.execute(chat.id, "print('a')"), client.info())
            self.assertEqual("a\n", turns[0]["output"])
            self.assertTrue(turns[1]["model_configured"])
            outputs = [e async for e in client.execute_stream(chat.id, "print('b')") if e["event"] == "output"]
            self.assertEqual("b\n", "".join(e["text"] for e in outputs))


if __name__ == "__main__":
    unittest.main()
