"""The session's tools as Python functions: signatures, calls out as frames, answers back in,
errors raised as ToolError. Run by KernelPythonTest (mvn test).
"""
import inspect
import threading
import unittest

from kernel_under_test import load_kernel

SUM = {"name": "get_sum", "doc": "Adds two numbers.", "returns": "Any",
       "params": [{"name": "a", "type": "float", "required": True},
                  {"name": "b_value", "key": "b-value", "type": "float", "required": False, "default_value": 2}]}


class ToolsTest(unittest.TestCase):

    def setUp(self):
        self.kernel, self.sent = load_kernel()
        self.tools = self.kernel.Tools()
        self.ns = {}
        self.tools.define([SUM], self.ns)
        self.kernel.OUT.start("a-1")

    def answer_next(self, reply):
        """Answers the next call from another thread, as the kernel's command reader does."""
        def run():
            while not any(f.get("ev") == "tool_call" for f in self.sent):
                threading.Event().wait(0.01)
            call = next(f for f in self.sent if f.get("ev") == "tool_call")
            self.tools.answer(dict(reply, id=call["call"]))
        threading.Thread(target=run, daemon=True).start()

    def test_a_tool_is_a_function_with_its_signature_and_docstring_in_the_namespace_and_the_module(self):
        fn = self.ns["get_sum"]
        self.assertIs(fn, self.tools.module.get_sum)
        self.assertEqual("(a: float, b_value: float = 2) -> Any", str(inspect.signature(fn)))
        self.assertEqual("Adds two numbers.", fn.__doc__)
        self.assertEqual(["get_sum"], self.tools.module.__all__)

    def test_a_call_goes_out_with_the_arguments_given_under_their_json_names_and_returns_the_answer(self):
        self.answer_next({"value": {"sum": 3}})
        self.assertEqual({"sum": 3}, self.ns["get_sum"](1, b_value=2))
        call = next(f for f in self.sent if f.get("ev") == "tool_call")
        self.assertEqual(("a-1", "get_sum", {"a": 1, "b-value": 2}), (call["id"], call["tool"], call["args"]))
        self.sent.clear()
        self.answer_next({"value": 5})
        self.ns["get_sum"](4)
        self.assertEqual({"a": 4}, next(f for f in self.sent if f.get("ev") == "tool_call")["args"],
                         "an optional argument left out is not sent")

    def test_an_error_answer_is_raised_as_tool_error_with_its_code(self):
        self.answer_next({"error": {"code": "tool_error", "message": "no such entity"}})
        with self.assertRaises(self.kernel.ToolError) as raised:
            self.ns["get_sum"](1)
        self.assertEqual(("tool_error", "no such entity"), (raised.exception.code, raised.exception.message))
        self.sent.clear()
        self.answer_next({"error": {"code": "tool_timeout", "message": "late"}})
        with self.assertRaises(TimeoutError):
            self.ns["get_sum"](1)

    def test_arguments_that_are_not_json_are_refused_before_anything_is_sent(self):
        with self.assertRaises(TypeError):
            self.ns["get_sum"]({1, 2})
        with self.assertRaises(TypeError):
            self.ns["get_sum"](1, 2, 3)
        self.assertFalse(any(f.get("ev") == "tool_call" for f in self.sent))

    def test_calls_still_waiting_when_the_cell_ends_fail_instead_of_waiting_forever(self):
        result = {}

        def call():
            try:
                self.ns["get_sum"](1)
            except self.kernel.ToolError as e:
                result["code"] = e.code
        t = threading.Thread(target=call)
        t.start()
        while not any(f.get("ev") == "tool_call" for f in self.sent):
            threading.Event().wait(0.01)
        self.tools.abandon()
        t.join(5)
        self.assertEqual("tool_unavailable", result.get("code"))

    def test_between_cells_a_call_fails_at_once(self):
        self.kernel.OUT.exec_id = None
        with self.assertRaises(self.kernel.ToolError) as raised:
            self.ns["get_sum"](1)
        self.assertEqual("tool_unavailable", raised.exception.code)

    def test_new_tools_replace_the_old_ones_but_not_what_the_code_named_the_same(self):
        self.ns["mine"] = 1
        self.tools.define([dict(SUM, name="other")], self.ns)
        self.assertNotIn("get_sum", self.ns)
        self.assertFalse(hasattr(self.tools.module, "get_sum"))
        self.assertIn("other", self.ns)
        self.ns["other"] = "my variable"
        self.tools.define([], self.ns)
        self.assertEqual("my variable", self.ns["other"], "a name the code rebound is the code's")

    def test_a_bad_definition_is_skipped_and_the_others_stay(self):
        self.tools.define([{"name": "1bad"}, {"name": "ok", "params": [{"name": "not an identifier"}]}, SUM], self.ns)
        self.assertEqual(["get_sum"], self.tools.module.__all__)


if __name__ == "__main__":
    unittest.main()
