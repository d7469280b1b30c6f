"""The stand-in model of the client's tests: an OpenAI-style SSE server, on the port the gateway was
told (CODEACT_MODEL_PORT), whose replies the tests script through the user's message:

- ``reply: TEXT``: the model answers TEXT (code actions included), a few characters per chunk;
- ``slowly: TEXT``: the same, 20 ms between chunks, so a test can act while the turn runs;
- after an observation, the model answers ``Observed: `` and its first line.
"""
import http.server
import json
import os
import threading
import time

_started = None


def start():
    """Starts the server once per process (every test module may ask)."""
    global _started
    if _started is None:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["CODEACT_MODEL_PORT"])), _Model)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        _started = server
    return _started


class _Model(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self._body())
        last = body["messages"][-1]
        content = last["content"] if isinstance(last["content"], str) else json.dumps(last["content"])
        delay = 0.0
        if "Execution Output" in content:
            output = content.split("Execution Output:", 1)[1].strip()
            text = "Observed: " + (output.splitlines() or [""])[0]
        elif "slowly:" in content:
            text, delay = content.split("slowly:", 1)[1].strip(), 0.02
        elif "reply:" in content:
            text = content.split("reply:", 1)[1].strip()
        else:
            text = "I was not told what to say."
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        for i in range(0, len(text), 4):
            chunk = {"choices": [{"index": 0, "delta": {"content": text[i:i + 4]}}]}
            self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
            self.wfile.flush()
            time.sleep(delay)
        self.wfile.write(b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n')
        self.wfile.flush()
        self.close_connection = True

    def _body(self):
        if self.headers.get("Content-Length"):
            return self.rfile.read(int(self.headers["Content-Length"]))
        raw = b""
        while (size := int(self.rfile.readline().strip(), 16)) > 0:
            raw += self.rfile.read(size)
            self.rfile.readline()
        self.rfile.readline()
        return raw
