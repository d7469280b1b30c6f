"""Runs the kernel's Python tests (in the folder of the first argument) and prints one line per
test, the second argument and JSON: its id, its outcome, and what went wrong, so JUnit reports each
test on its own (KernelPythonTest, which chooses the prefix). The tests print too (the kernel
writes frames), hence the prefix."""
import json
import sys
import unittest


class Report(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.lines = []

    def _add(self, test, outcome, detail=""):
        self.lines.append({"id": test.id(), "outcome": outcome, "detail": detail})

    def addSuccess(self, test):
        self._add(test, "ok")

    def addFailure(self, test, err):
        self._add(test, "failed", self._exc_info_to_string(err, test))

    def addError(self, test, err):
        self._add(test, "error", self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        self._add(test, "skipped", reason)

    def addExpectedFailure(self, test, err):
        self._add(test, "ok")

    def addUnexpectedSuccess(self, test):
        self._add(test, "failed", "expected to fail, but passed")


if __name__ == "__main__":
    folder, prefix = sys.argv[1:3]
    suite = unittest.defaultTestLoader.discover(folder, pattern="test_*.py")
    report = Report()
    suite.run(report)
    for line in report.lines:
        print(prefix + json.dumps(line))
