"""The kernel's rich output, alone: objects become MIME bundles as IPython builds them, display()
and a rich trailing value reach the done frame within the byte budget, and the model's text is
repr(). Run by KernelPythonTest (mvn test)."""
import base64
import unittest

from kernel_under_test import load_kernel


class Rich:
    def _repr_html_(self):
        return "<b>rich</b>"

    def _repr_png_(self):
        return b"\x89PNG"

    def _repr_latex_(self):
        raise ValueError("no LaTeX here")

    def _repr_markdown_(self):
        return None

    def __repr__(self):
        return "Rich()"


class Bundled:
    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/markdown": "*b*", "text/plain": "not the repr", 7: "bad key"}, {"metadata": 1}

    def __repr__(self):
        return "Bundled()"


class RenderingsTest(unittest.TestCase):

    def test_each_rendering_an_object_has_and_its_repr(self):
        kernel, _ = load_kernel()
        data = kernel.renderings(Rich())
        self.assertEqual({"text/html": "<b>rich</b>", "image/png": base64.b64encode(b"\x89PNG").decode(),
                          "text/plain": "Rich()"}, data, "the failing and the empty renderings are left out")

    def test_a_mime_bundle_comes_first_and_the_text_is_always_the_repr(self):
        kernel, _ = load_kernel()
        self.assertEqual({"text/markdown": "*b*", "text/plain": "Bundled()"}, kernel.renderings(Bundled()))

    def test_a_class_is_not_rendered_by_its_instance_methods(self):
        kernel, _ = load_kernel()
        self.assertEqual({"text/plain": repr(Rich)}, kernel.renderings(Rich))


class CellTest(unittest.TestCase):

    def run_cell(self, code, **limits):
        kernel, sent = load_kernel(**limits)
        kernel.Kernel().execute("c1", code)
        done = sent[-1]
        self.assertEqual("done", done["ev"])
        return done, [f for f in sent if f["ev"] == "stream"]

    def test_display_and_a_rich_value_reach_the_done_frame_in_order(self):
        done, _ = self.run_cell(
            "class H:\n"
            "    def _repr_html_(self):\n        return '<i>h</i>'\n"
            "    def __repr__(self):\n        return 'H()'\n"
            "display(1, H())\n"
            "H()")
        self.assertEqual("H()", done["value"])
        self.assertEqual([{"kind": "display", "data": {"text/plain": "1"}},
                          {"kind": "display", "data": {"text/html": "<i>h</i>", "text/plain": "H()"}},
                          {"kind": "value", "data": {"text/html": "<i>h</i>", "text/plain": "H()"}}], done["displays"])

    def test_a_plain_value_is_text_only(self):
        done, _ = self.run_cell("6 * 7")
        self.assertEqual("42", done["value"])
        self.assertEqual([], done["displays"])

    def test_displays_past_the_budget_are_left_out_and_the_output_says_so(self):
        done, streams = self.run_cell("display('x' * 600, 'y' * 600)", max_display=1000)
        self.assertEqual(1, len(done["displays"]))
        self.assertIn("over the limit of 1000 bytes", "".join(f["text"] for f in streams))

    def test_the_next_cell_starts_with_no_displays(self):
        kernel, sent = load_kernel()
        cells = kernel.Kernel()
        cells.execute("c1", "display(1)")
        cells.execute("c2", "print(2)")
        self.assertEqual([], sent[-1]["displays"])


if __name__ == "__main__":
    unittest.main()
