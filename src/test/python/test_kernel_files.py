"""File operations on the working directory: only regular files are read or written, never with a
blocking open; a download is the file as it was when opened, or an error, never a cut copy; an
unfinished upload can be dropped. Run by KernelPythonTest (mvn test).
"""
import base64
import os
import socket
import tempfile
import threading
import unittest

from kernel_under_test import load_kernel


class FilesTest(unittest.TestCase):

    def setUp(self):
        self.kernel, self.sent = load_kernel()
        self.dir = tempfile.TemporaryDirectory()
        self.kernel.WORKDIR = self.dir.name

    def tearDown(self):
        self.dir.cleanup()

    def path(self, name):
        return os.path.join(self.dir.name, name)

    def op(self, op, name, data=None, last=False):
        """Runs the operation on a thread: an open that blocks fails the test instead of hanging it."""
        result = []
        worker = threading.Thread(target=lambda: result.append(self.kernel.file_op("f-1", op, name, data, last)), daemon=True)
        worker.start()
        worker.join(30)
        self.assertFalse(worker.is_alive(), "%s %s blocked" % (op, name))
        return result[0]

    def received(self):
        return b"".join(base64.b64decode(f["text"]) for f in self.sent if f.get("name") == "file")

    def test_a_pipe_is_refused_at_once_never_opened_for_reading(self):
        os.mkfifo(self.path("result.csv"))
        failure, message = self.op("get", "result.csv")
        self.assertEqual("FileNotFoundError", failure)
        self.assertIn("not a regular file", message)

    def test_a_socket_is_refused(self):
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(self.path("sock"))
        self.addCleanup(listener.close)
        self.assertEqual("FileNotFoundError", self.op("get", "sock")[0])

    def test_an_upload_into_a_pipe_planted_as_its_partial_file_is_refused_at_once(self):
        os.mkfifo(self.path(".codeact-upload-data.csv"))
        failure, _ = self.op("put", "data.csv", base64.b64encode(b"a,b\n").decode())
        self.assertIsNotNone(failure)
        self.assertFalse(os.path.exists(self.path("data.csv")))

    def test_a_download_is_the_file_as_it_was_when_opened(self):
        with open(self.path("data.bin"), "wb") as f:
            f.write(os.urandom(3 * self.kernel.FILE_CHUNK + 17))
        self.assertEqual((None, None), self.op("get", "data.bin"))
        with open(self.path("data.bin"), "rb") as f:
            self.assertEqual(f.read(), self.received())

    def test_a_file_that_grows_while_read_is_an_error_not_a_cut_copy(self):
        with open(self.path("log.txt"), "wb") as f:
            f.write(b"x" * (2 * self.kernel.FILE_CHUNK))
        appended = []

        def send_and_grow(*frames):
            self.sent.extend(frames)
            if not appended:  # the code writes on while the first piece goes out
                with open(self.path("log.txt"), "ab") as f:
                    f.write(b"more")
                appended.append(True)
        self.kernel.send = send_and_grow
        failure, message = self.op("get", "log.txt")
        self.assertEqual("FileChangedError", failure)
        self.assertIn("changed while it was read", message)

    def test_a_file_that_shrinks_while_read_is_an_error(self):
        with open(self.path("log.txt"), "wb") as f:
            f.write(b"x" * (2 * self.kernel.FILE_CHUNK))

        def send_and_cut(*frames):
            self.sent.extend(frames)
            os.truncate(self.path("log.txt"), 10)
        self.kernel.send = send_and_cut
        self.assertEqual("FileChangedError", self.op("get", "log.txt")[0])

    def test_an_unfinished_upload_is_discarded_and_leaves_nothing(self):
        piece = base64.b64encode(b"first piece").decode()
        self.assertEqual((None, None), self.op("put", "big.csv", piece))
        self.assertTrue(os.path.exists(self.path(".codeact-upload-big.csv")))
        self.assertEqual((None, None), self.op("discard", "big.csv"))
        self.assertEqual([], os.listdir(self.dir.name))
        self.assertEqual((None, None), self.op("discard", "big.csv"), "discarding twice is harmless")


if __name__ == "__main__":
    unittest.main()
