"""Runs the kernel's Python tests and prints one line per test, PREFIX and JSON: its id, its
outcome, and what went wrong, so JUnit reports each test on its own (KernelPythonTest). The tests
print too (the kernel writes frames), hence the prefix."""
import json
import sys
import unittest

PREFIX = "@@result "


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
    suite = unittest.defaultTestLoader.discover(sys.argv[1], pattern="test_*.py")
    report = Report()
    suite.run(report)
    for line in report.lines:
        print(PREFIX + json.dumps(line))
