"""Loads codeact_kernel.py for a test, under another name so its main() does not run, with its
send() replaced by a list so no frame reaches this process's stdout."""
import importlib.util
import os

KERNEL = os.path.join(os.path.dirname(__file__), "..", "..", "main", "resources", "kernel", "codeact_kernel.py")


def load_kernel(max_output=1000000, max_display=4194304):
    os.environ["CODEACT_MAX_OUTPUT_CHARS"] = str(max_output)
    os.environ["CODEACT_MAX_DISPLAY_BYTES"] = str(max_display)
    spec = importlib.util.spec_from_file_location("codeact_kernel_under_test", KERNEL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sent = []
    module.send = lambda *frames: sent.extend(frames)
    return module, sent
