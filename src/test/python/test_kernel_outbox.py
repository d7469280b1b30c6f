"""The kernel's output batching, alone: what one cell prints leaves in few frames, in order, and
past the limit keeps its head and tail with one marker. Run by KernelPythonTest (mvn test).
"""
import unittest

from kernel_under_test import load_kernel


def done(dropped):
    return {"ev": "done", "dropped_chars": dropped}


class OutboxTest(unittest.TestCase):

    def test_a_short_cell_leaves_in_one_batch_with_its_done_frame(self):
        kernel, sent = load_kernel(1000)
        box = kernel.Outbox()
        box.start("c1")
        box.put("stdout", "a")
        box.put("stdout", "b")
        box.put("stderr", "oops")
        box.put("stdout", "c")
        box.finish(done)
        self.assertEqual([("stream", "stdout", "ab"), ("stream", "stderr", "oops"), ("stream", "stdout", "c")],
                         [(f["ev"], f["name"], f["text"]) for f in sent[:-1]])
        self.assertEqual(done(0), sent[-1])
        self.assertTrue(all(f["id"] == "c1" for f in sent[:-1]))

    def test_a_large_batch_leaves_before_the_cell_ends(self):
        kernel, sent = load_kernel(10 ** 6)
        box = kernel.Outbox()
        box.start("c1")
        box.put("stdout", "x" * (kernel.FLUSH_CHARS + 1))
        self.assertEqual(1, len(sent))
        box.finish(done)
        self.assertEqual(done(0), sent[-1])

    def test_output_past_the_limit_keeps_head_and_tail_with_one_marker(self):
        kernel, sent = load_kernel(200)
        box = kernel.Outbox()
        box.start("c1")
        for i in range(1000):
            box.put("stdout", "line %04d\n" % i)
        box.finish(done)
        text = "".join(f["text"] for f in sent if f["ev"] == "stream")
        self.assertTrue(text.startswith("line 0000\n"))
        self.assertTrue(text.endswith("line 0999\n"))
        self.assertEqual(1, text.count("characters dropped"))
        self.assertGreater(sent[-1]["dropped_chars"], 9000)
        self.assertLess(len(text), 400)

    def test_output_just_under_the_limit_is_whole_without_a_marker(self):
        kernel, sent = load_kernel(200)
        box = kernel.Outbox()
        box.start("c1")
        box.put("stdout", "x" * 195)  # past the head's share, within the limit: nothing is dropped
        box.finish(done)
        text = "".join(f["text"] for f in sent if f["ev"] == "stream")
        self.assertEqual("x" * 195, text)
        self.assertEqual(done(0), sent[-1])

    def test_the_next_cell_starts_with_a_clean_count(self):
        kernel, sent = load_kernel(200)
        box = kernel.Outbox()
        box.start("c1")
        box.put("stdout", "y" * 5000)
        box.finish(done)
        del sent[:]
        box.start("c2")
        box.put("stdout", "short")
        box.finish(done)
        self.assertEqual([("c2", "short")], [(f["id"], f["text"]) for f in sent if f["ev"] == "stream"])
        self.assertEqual(done(0), sent[-1])

    def test_output_between_cells_goes_nowhere(self):
        kernel, sent = load_kernel(1000)
        box = kernel.Outbox()
        box.put("stdout", "before any cell")
        box.start("c1")
        box.finish(done)
        box.put("stderr", "a background thread after the cell")
        self.assertEqual([done(0)], sent)


if __name__ == "__main__":
    unittest.main()
