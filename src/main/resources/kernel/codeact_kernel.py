"""CodeAct kernel: runs model-written code like Jupyter cells, inside the sandbox.

Standard library only. It speaks JSON lines with the worker:
  in  (fd 0):  {"op": "exec", "id": ..., "code": ...}  |  {"op": "interrupt"}  |  a file operation
               {"op": "put" | "append" | "get" | "delete" | "list", "id", "name", "data", "last"} on the
               working directory
               {"op": "tool_result", "id": call, "value" | "error"} answers a tool call; an exec may carry
               "tools" (the session's tools, defined as Python functions before the code runs)
  out (fd 1):  {"ev": "ready", ...} | {"ev": "stream", "id", "name", "text"} | {"ev": "done", "id", ...}
               | {"ev": "tool_call", "id", "call", "tool", "args"} (the cell waits for the answer)
(the frames' schema: KernelFrame in spec/codeact.schema.json).
At start the protocol descriptors are moved aside, so neither user code nor its child processes
can write into the protocol: fd 1 and 2 become pipes whose bytes come back as stream chunks, and
fd 0 reads /dev/null.

Output is batched (a flush every few milliseconds or when enough has gathered), because every
write is a syscall and syscalls are slow under gVisor's ptrace platform.
"""
import ast
import base64
import builtins
import codecs
import errno
import fcntl
import io
import json
import linecache
import os
import queue
import re
import select
import signal
import stat
import struct
import sys
import termios
import threading
import time
import traceback

FLUSH_DELAY = float(os.environ.get("CODEACT_FLUSH_MS", "5")) / 1000.0
FLUSH_CHARS = 8192
MAX_OUTPUT = int(os.environ.get("CODEACT_MAX_OUTPUT_CHARS", "1000000"))
TAIL_CHARS = min(4000, MAX_OUTPUT // 2)
# Bytes of rich output (figures, HTML, SVG, ...) of one cell; the worker drops whatever goes beyond it anyway.
MAX_DISPLAY_BYTES = int(os.environ.get("CODEACT_MAX_DISPLAY_BYTES", "4194304"))
# Renderings asked of a displayed object, as IPython's formatters ask them. text/plain is its repr().
RENDERINGS = (("text/html", "_repr_html_"), ("text/markdown", "_repr_markdown_"), ("image/svg+xml", "_repr_svg_"),
              ("image/png", "_repr_png_"), ("image/jpeg", "_repr_jpeg_"), ("text/latex", "_repr_latex_"))
BINARY = ("image/png", "image/jpeg")
# The MIME types passed on (the contract's Display.MIME_TYPES; ContractSchemaTest checks they agree).
PASSED_ON = frozenset(mime for mime, _ in RENDERINGS)
MAX_FILE_BYTES = int(os.environ.get("CODEACT_MAX_FILE_BYTES", "16777216"))
# A file name the API may use: the contract's FileOp.NAME (ContractSchemaTest checks they agree).
FILE_NAME = re.compile(r"[A-Za-z0-9_\-][A-Za-z0-9_.\- ]{0,127}")
MAX_FILES = 200
# Bytes of a file per frame of a get (a megabyte of base64): the file goes out as it is read.
FILE_CHUNK = 786432
SCAN_LIMIT = 2000
# The session's working directory: where the kernel started (code may chdir, the files stay here).
WORKDIR = os.getcwd()
# Between the head and the tail of cut text; the gateway's Clip.MARKER_FORMAT is the same (a test checks).
MARKER = "\n... [%d characters dropped] ...\n"
# Frames compiled under this name are the kernel's own and are hidden from tracebacks.
KERNEL_FILE = globals().get("__file__", "<codeact-kernel>")


def apply_rlimits(spec):
    """Limits the worker could not set from outside (runsc-do and none modes): "as=…,nproc=…"."""
    import resource
    for item in filter(None, spec.split(",")):
        name, _, value = item.partition("=")
        limit = getattr(resource, "RLIMIT_" + name.upper())
        resource.setrlimit(limit, (int(value), int(value)))


apply_rlimits(os.environ.get("CODEACT_RLIMITS", ""))

_proto_out = os.fdopen(os.dup(1), "wb", buffering=0)
# Buffered: a raw file reads a line one byte (one syscall) at a time, and a syscall costs ≈ 40 µs
# under gVisor's ptrace platform. A pipe read returns what is there, so a frame never waits.
_proto_in = os.fdopen(os.dup(0), "rb")
_null = os.open(os.devnull, os.O_RDONLY)
os.dup2(_null, 0)
os.close(_null)


_send_lock = threading.Lock()


def send(*frames):
    """Whole lines, in one write when they fit: pipes may take a large write in parts (gVisor does), so loop."""
    data = memoryview("".join(json.dumps(frame) + "\n" for frame in frames).encode("ascii"))
    with _send_lock:
        while data:
            data = data[_proto_out.write(data):]


class Outbox:
    """Collects output of the running action and flushes it in batches, keeping head and tail."""

    def __init__(self):
        self.cond = threading.Condition()
        self.parts = []
        self.size = 0
        self.first = 0.0
        self.exec_id = None
        self.emitted = 0
        self.dropped = 0
        self.tail = []
        self.tail_size = 0

    def start(self, exec_id):
        with self.cond:
            self.exec_id = exec_id
            self.emitted = self.dropped = self.tail_size = 0
            self.tail = []

    def put(self, name, text):
        if not text:
            return
        with self.cond:
            if self.exec_id is None:
                return  # between cells (a background thread, the preload): no action to give it to
            if self.emitted + len(text) > MAX_OUTPUT - TAIL_CHARS:
                room = max(0, MAX_OUTPUT - TAIL_CHARS - self.emitted)
                if room:
                    self._append(name, text[:room])
                self._keep_tail(name, text[room:])
                return
            self._append(name, text)

    def _append(self, name, text):
        if not self.parts:
            self.first = time.monotonic()
        if self.parts and self.parts[-1][0] == name:
            self.parts[-1][1].append(text)
        else:
            self.parts.append((name, [text]))
        self.size += len(text)
        self.emitted += len(text)
        if self.size >= FLUSH_CHARS:
            self._flush_locked()
        else:
            self.cond.notify()

    def _keep_tail(self, name, text):
        self.tail.append((name, text))
        self.tail_size += len(text)
        while self.tail_size - len(self.tail[0][1]) >= TAIL_CHARS:
            self.dropped += len(self.tail[0][1])
            self.tail_size -= len(self.tail.pop(0)[1])

    def _flush_locked(self, *last):
        parts, self.parts, self.size = self.parts, [], 0
        send(*[{"ev": "stream", "id": self.exec_id, "name": name, "text": "".join(texts)} for name, texts in parts], *last)

    def send_now(self, frame):
        """Sends what is buffered, then frame(exec_id), in order; False between cells (no action to send it for)."""
        with self.cond:
            if self.exec_id is None:
                return False
            self._flush_locked(frame(self.exec_id))
            return True

    def finish(self, done):
        """Flushes everything and sends the cell's done frame (built by done(dropped_chars)) with it."""
        with self.cond:
            if self.tail:
                excess = self.tail_size - TAIL_CHARS
                name, first = self.tail[0]
                if excess > 0:
                    self.tail[0] = (name, first[excess:])
                    self.dropped += excess
                self.emitted = 0
                if self.dropped:  # output that reached the tail part but not past the limit is whole: no marker
                    self._append("stderr", MARKER % self.dropped)
                for name, text in self.tail:
                    self._append(name, text)
                self.tail = []
            dropped, self.dropped = self.dropped, 0
            self._flush_locked(done(dropped))
            self.exec_id = None

    def run(self):
        while True:
            with self.cond:
                while not self.parts:
                    self.cond.wait()
                deadline = self.first + FLUSH_DELAY
                while self.parts and time.monotonic() < deadline:
                    self.cond.wait(deadline - time.monotonic())
                if self.parts:
                    self._flush_locked()


OUT = Outbox()


class StreamWriter(io.TextIOBase):
    def __init__(self, name):
        self._name = name
        self._buffer = None

    @property
    def name(self):
        return "<%s>" % self._name

    @property
    def encoding(self):
        return "utf-8"

    def writable(self):
        return True

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("write() argument must be str, not %s" % type(s).__name__)
        OUT.put(self._name, s)
        return len(s)

    def flush(self):
        pass

    def isatty(self):
        return False

    @property
    def buffer(self):
        """For code that writes bytes (sys.stdout.buffer.write): same stream, same order."""
        if self._buffer is None:
            self._buffer = _BytesWriter(self._name)
        return self._buffer


class _BytesWriter(io.RawIOBase):
    def __init__(self, name):
        self._name = name
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def writable(self):
        return True

    def write(self, b):
        OUT.put(self._name, self._decoder.decode(bytes(b)))
        return len(b)


class NoInput(io.TextIOBase):
    def readable(self):
        return True

    def read(self, *args):
        raise EOFError("no interactive input: the code runs without a user at a keyboard")

    readline = read


def _no_input(prompt=""):
    raise EOFError("input() is not available: the code runs without a user at a keyboard; "
                   "put the value in the code instead")


class FdPump:
    """Moves what child processes put on fd 1/2 into the outbox (the kernel's own writes go there directly)."""

    def __init__(self, fd, name):
        self.read_end, write_end = os.pipe()
        os.dup2(write_end, fd)
        os.close(write_end)
        self.name = name
        # A character split across two reads must not become two replacement characters.
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.moving = threading.Lock()
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        # Bytes leave the pipe only under the lock, and reach the outbox before it is released:
        # drain() can then tell "all moved" from "read but not yet moved".
        while True:
            select.select([self.read_end], [], [])
            with self.moving:
                data = os.read(self.read_end, 65536)
                if not data:
                    return
                OUT.put(self.name, self.decoder.decode(data))

    def fileno(self):
        return self.read_end

    def pending(self):
        buf = fcntl.ioctl(self.read_end, termios.FIONREAD, b"\0\0\0\0")
        return struct.unpack("i", buf)[0]

    def drain(self, seconds):
        """Waits (briefly) until what children wrote so far is in the outbox, so later output comes after it."""
        deadline = time.monotonic() + seconds
        while True:
            with self.moving:
                if not self.pending():
                    return
            if time.monotonic() >= deadline:
                return
            time.sleep(0.002)


def drain_pumps(seconds=0.2):
    # Usually nothing is in the pipes nor being moved: one select tells (a syscall per pump would cost
    # more). Pipes first: bytes a pump took before the select are moved under its lock, seen next.
    if not select.select(PUMPS, [], [], 0)[0] and not any(pump.moving.locked() for pump in PUMPS):
        return
    for pump in PUMPS:
        pump.drain(seconds)


_os_write = os.write


def _child_streams():
    """A forked child (multiprocessing) has no outbox thread: its output goes through fd 1/2 and the pumps."""
    os.write = _os_write
    sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", buffering=0), encoding="utf-8", write_through=True)
    sys.stderr = io.TextIOWrapper(os.fdopen(2, "wb", buffering=0), encoding="utf-8", write_through=True)


def ordered_write(fd, data):
    """os.write on fd 1/2 from the kernel's own process joins the outbox in order with print()."""
    if fd in (1, 2) and PUMPS:
        OUT.put("stdout" if fd == 1 else "stderr", bytes(data).decode("utf-8", "replace"))
        return len(data)
    return _os_write(fd, data)


def shell(command):
    """IPython's `!cmd`: pip has no network here, so it is refused at once instead of retrying."""
    if re.match(r"\s*(python3?\s+-m\s+)?pip3?\s+install\b", command):
        print("pip install is not available: the sandbox has no network access. "
              "Use the Python standard library and the packages already installed.", file=sys.stderr)
        return 1
    import subprocess
    code = subprocess.call(command, shell=True)
    drain_pumps()
    return code


_SHELL_LINE = re.compile(r"^(\s*)!(.*)$", re.M)


class ToolError(Exception):
    """A tool call gave no value; .code says why: tool_error (the tool failed), tool_timeout,
    tool_unavailable, tool_limit, tool_too_large, unknown_tool or tool_forbidden."""

    def __init__(self, code, message):
        super().__init__("[%s] %s" % (code, message))
        self.code = code
        self.message = message


class ToolTimeout(ToolError, TimeoutError):
    """No answer came within the gateway's codeact.tools.call-timeout."""


class Any:
    """The annotation of a value of any JSON type (shown as Any, as in the system prompt)."""


Any.__module__ = "builtins"
TOOL_TYPES = {"str": str, "int": int, "float": float, "bool": bool, "list": list, "dict": dict, "Any": Any}


class Tools:
    """The session's tools as Python functions (also the module tools). A call goes out as a
    tool_call frame; the calling thread waits for its tool_result, and an interrupt still stops it."""

    def __init__(self):
        import types
        self.module = types.ModuleType("tools", "The session's tools: help(tools.<name>) shows one.")
        self.module.ToolError = ToolError
        self.module.ToolTimeout = ToolTimeout
        self.module.__all__ = []
        sys.modules["tools"] = self.module
        self.defined = {}
        self.pending = {}
        self.lock = threading.Lock()
        self.count = 0

    def define(self, specs, ns):
        for name, fn in self.defined.items():
            if ns.get(name) is fn:
                del ns[name]
            self.module.__dict__.pop(name, None)
        self.defined = {}
        for spec in specs if isinstance(specs, list) else ():
            try:
                fn = self.function(spec)
            except (AttributeError, KeyError, TypeError, ValueError):  # the worker checks them; never stop over one
                fn = None
            if fn is not None:
                self.defined[fn.__name__] = fn
                setattr(self.module, fn.__name__, fn)
                ns[fn.__name__] = fn
        self.module.__all__ = sorted(self.defined)

    def function(self, spec):
        import inspect
        import keyword
        name = spec.get("name")
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            return None
        params, required, keys = [], set(), {}
        for p in spec.get("params") or ():
            if p.get("required"):
                required.add(p["name"])
            keys[p["name"]] = p.get("key") or p["name"]
            params.append(inspect.Parameter(p["name"], inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                            default=inspect.Parameter.empty if p.get("required") else p.get("default_value"),
                                            annotation=TOOL_TYPES.get(p.get("type"), Any)))
        signature = inspect.Signature(params, return_annotation=TOOL_TYPES.get(spec.get("returns"), Any))
        tools = self

        def tool(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            # An optional argument left out or given as None is not sent: the tool applies its own default.
            given = {keys[k]: v for k, v in bound.arguments.items() if k in required or v is not None}
            return tools.call(name, given)

        tool.__name__ = tool.__qualname__ = name
        tool.__module__ = "tools"
        tool.__doc__ = spec.get("doc") or None
        tool.__signature__ = signature
        return tool

    def call(self, name, arguments):
        try:
            json.dumps(arguments, allow_nan=False)
        except (TypeError, ValueError) as e:
            raise TypeError("the arguments of tool %s must be JSON data (str, int, float, bool, None, list, dict): %s"
                            % (name, e)) from None
        with self.lock:
            self.count += 1
            # Unique in the session (clients remember which calls they answered): the action's id and a number.
            call_id = "%s:%d" % (OUT.exec_id, self.count)
            slot = [threading.Event(), None]
            self.pending[call_id] = slot
        try:
            if not OUT.send_now(lambda exec_id: {"ev": "tool_call", "id": exec_id, "call": call_id, "tool": name,
                                                 "args": arguments}):
                raise ToolError("tool_unavailable", "tools can be called only while an action runs")
            # In slices: a signal (the worker's interrupt) is handled between two waits.
            while not slot[0].wait(0.2):
                pass
        finally:
            with self.lock:
                self.pending.pop(call_id, None)
        reply = slot[1]
        error = reply.get("error")
        if isinstance(error, dict):
            code = str(error.get("code") or "tool_error")
            raise (ToolTimeout if code == "tool_timeout" else ToolError)(code, str(error.get("message") or ""))
        return reply.get("value")

    def answer(self, frame):
        with self.lock:
            slot = self.pending.get(frame.get("id"))
        if slot is not None:
            slot[1] = frame
            slot[0].set()

    def abandon(self):
        """The cell ended: calls still waiting (in threads it left running) fail instead of waiting forever."""
        with self.lock:
            waiting = list(self.pending.items())
        for call_id, slot in waiting:
            slot[1] = {"error": {"code": "tool_unavailable", "message": "the action ended before the call was answered"}}
            slot[0].set()


TOOLS = Tools()


class Kernel:
    def __init__(self):
        self.ns = {"__name__": "__main__", "__builtins__": builtins, "__codeact_shell__": shell, "display": display,
                   "tools": TOOLS.module, "ToolError": ToolError}
        self.count = 0
        self.running = threading.Lock()
        self.executing = False

    def parse(self, code, filename):
        try:
            return ast.parse(code, filename, "exec")
        except SyntaxError:
            if not _SHELL_LINE.search(code):
                raise
        transformed = _SHELL_LINE.sub(lambda m: "%s__codeact_shell__(%r)" % (m.group(1), m.group(2)), code)
        return ast.parse(transformed, filename, "exec")

    def run_cell(self, code):
        self.count += 1
        filename = "<cell-%d>" % self.count
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        tree = self.parse(code, filename)
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, filename, "exec"), self.ns)
        if last is not None:
            value = eval(compile(last, filename, "eval"), self.ns)
            if value is not None:
                self.ns["_"] = value
                return renderings(value)
        return None

    def execute(self, exec_id, code):
        OUT.start(exec_id)
        DISPLAYS.start()
        started = time.monotonic()
        value = error = None
        try:
            self.executing = True
            try:
                value = self.run_cell(code)
            finally:
                self.executing = False
        except BaseException as e:  # the cell's own failure, including KeyboardInterrupt and SystemExit
            self.executing = False
            error = {"name": type(e).__name__, "value": clip(str(e)), "traceback": clip(format_error(e))}
        TOOLS.abandon()
        collect_figures()
        if value is not None and len(value) > 1:
            DISPLAYS.add("value", value)
        displays = DISPLAYS.start()
        sys.stdout.flush()
        sys.stderr.flush()
        drain_pumps()
        text = value["text/plain"] if value is not None else None
        files = list_files()
        OUT.finish(lambda dropped: {"ev": "done", "id": exec_id, "value": text, "error": error, "displays": displays,
                                    "files": files,
                                    "duration_ms": int((time.monotonic() - started) * 1000),
                                    "truncated": dropped > 0, "dropped_chars": dropped})

    def interrupt(self):
        if self.executing:
            os.kill(os.getpid(), signal.SIGINT)


def safe_name(name):
    return isinstance(name, str) and FILE_NAME.fullmatch(name) is not None and not name.endswith(" ")


def list_files():
    """The working directory's regular files with safe names (no hidden ones, no links), by name.

    It runs after every cell: past SCAN_LIMIT entries it stops looking (each stat is a syscall,
    slow under gVisor), so a directory of many thousand files costs a bounded time."""
    files = []
    try:
        with os.scandir(WORKDIR) as entries:
            for seen, entry in enumerate(entries):
                if seen >= SCAN_LIMIT:
                    break
                if safe_name(entry.name) and entry.is_file(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    files.append({"name": entry.name, "size": st.st_size, "modified": int(st.st_mtime * 1000)})
    except OSError:
        return []
    files.sort(key=lambda f: f["name"])
    return files[:MAX_FILES]


def file_op(op_id, op, name, data, last):
    """One file operation on the working directory: (error name, message), both None when it worked.

    A get sends the file as it reads it: "stream" frames named "file", base64, FILE_CHUNK bytes
    each, exactly the size it had when opened; a file that changed meanwhile is an error, never a
    cut copy. Never follows a link, never blocks on what is not a regular file (opens are
    non-blocking, then the type is checked: a pipe, device or socket is refused at once): a put
    replaces whatever the name was (rename does not follow), a get and a delete refuse anything but
    a regular file. A discard drops an upload that will not be finished."""
    if op != "list" and not safe_name(name):
        return "FileNameError", "not a safe file name: %r" % (name,)
    path = os.path.join(WORKDIR, name) if op != "list" else None
    try:
        if op in ("put", "append"):
            # An upload arrives in pieces: the first (put) starts a hidden partial file, the last
            # puts it in place, so the code never sees half a file.
            raw = base64.b64decode(data or "", validate=True)
            partial = os.path.join(WORKDIR, ".codeact-upload-" + name)
            flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_TRUNC if op == "put" else os.O_APPEND)
            if op == "append" and not os.path.lexists(partial):
                return "FileOpError", "no upload of %s is under way" % name
            fd = os.open(partial, flags | os.O_NONBLOCK, 0o644)
            with os.fdopen(fd, "wb") as out:
                if not stat.S_ISREG(os.fstat(out.fileno()).st_mode):
                    return "FileOpError", "the upload's partial file of %s is not a regular file" % name
                out.write(raw)
                out.flush()
                size = os.fstat(out.fileno()).st_size
            if size > MAX_FILE_BYTES:
                os.unlink(partial)
                return "FileTooLarge", "over the limit of %d bytes" % MAX_FILE_BYTES
            if last:
                os.replace(partial, path)
        elif op == "get":
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            with os.fdopen(fd, "rb") as f:
                st = os.fstat(f.fileno())
                if not stat.S_ISREG(st.st_mode):
                    return "FileNotFoundError", "%s is not a regular file (a pipe, device or socket is never read)" % name
                if st.st_size > MAX_FILE_BYTES:
                    return "FileTooLarge", "%d bytes, over the limit of %d" % (st.st_size, MAX_FILE_BYTES)
                left = st.st_size
                while left > 0:
                    chunk = f.read(min(FILE_CHUNK, left))
                    if not chunk:
                        break
                    left -= len(chunk)
                    send({"ev": "stream", "id": op_id, "name": "file", "text": base64.b64encode(chunk).decode("ascii")})
                now = os.fstat(f.fileno())
                if left > 0 or now.st_size != st.st_size or now.st_mtime_ns != st.st_mtime_ns:
                    return "FileChangedError", "%s changed while it was read: download it again once it is written" % name
        elif op == "discard":
            partial = os.path.join(WORKDIR, ".codeact-upload-" + name)
            if os.path.lexists(partial):
                os.unlink(partial)
        elif op == "delete":
            if not stat.S_ISREG(os.lstat(path).st_mode):
                return "FileNotFoundError", "%s is not a regular file" % name
            os.unlink(path)
        elif op != "list":
            return "FileOpError", "unknown file operation %r" % (op,)
    except FileNotFoundError:
        return "FileNotFoundError", "no file %s in the working directory" % name
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "FileNotFoundError", "%s is a link, not a regular file" % name
        if e.errno in (errno.ENXIO, errno.ENODEV, errno.EOPNOTSUPP):  # a socket, a device
            return "FileNotFoundError", "%s is not a regular file (a pipe, device or socket is never read)" % name
        return type(e).__name__, str(e)  # a full tmpfs: ENOSPC
    except ValueError as e:  # bad base64
        return "ValueError", str(e)
    return None, None


def run_file_op(op_id, frame):
    started = time.monotonic()
    failure, message = file_op(op_id, frame.get("op"), frame.get("name"), frame.get("data"), frame.get("last") is True)
    error = None if failure is None else {"name": failure, "value": message, "traceback": "%s: %s" % (failure, message)}
    send({"ev": "done", "id": op_id, "value": None, "error": error, "displays": [], "files": list_files(),
          "duration_ms": int((time.monotonic() - started) * 1000), "truncated": False, "dropped_chars": 0})


FILE_OPS = ("put", "append", "get", "delete", "discard", "list")


def clip(text):
    """A value's text keeps its head and tail within the output limit (the worker clips it too)."""
    if len(text) <= MAX_OUTPUT:
        return text
    keep = MAX_OUTPUT // 2
    return text[:keep] + MARKER % (len(text) - 2 * keep) + text[-keep:]


class Displays:
    """What one cell displayed, in order, within the byte budget (the worker enforces it again)."""

    def __init__(self):
        self.items = []
        self.size = 0

    def start(self):
        """Begins a cell; returns what the previous one displayed."""
        items, self.items, self.size = self.items, [], 0
        return items

    def add(self, kind, data):
        size = sum(len(content) * 3 // 4 if mime in BINARY else len(content) for mime, content in data.items())
        if self.size + size > MAX_DISPLAY_BYTES:
            OUT.put("stderr", "[%s not shown: %d bytes, over the limit of %d bytes of rich output per cell]\n"
                    % (data.get("text/plain", "display")[:80], size, MAX_DISPLAY_BYTES))
            return
        self.size += size
        self.items.append({"kind": kind, "data": data})


DISPLAYS = Displays()


def _put_rendering(data, mime, content):
    if isinstance(content, tuple) and content:  # (data, metadata)
        content = content[0]
    if isinstance(content, (bytes, bytearray)):
        content = (base64.b64encode(content).decode("ascii") if mime in BINARY
                   else bytes(content).decode("utf-8", "replace"))
    if isinstance(content, str) and content:
        data[mime] = content


def renderings(obj):
    """An object's MIME bundle, as IPython builds it: _repr_mimebundle_, then each _repr_*_ it has.

    A rendering that fails or returns nothing is left out; repr() failing is the cell's error.
    """
    data = {}
    if not isinstance(obj, type):  # a class's _repr_html_ is an unbound method, not a rendering
        bundle = getattr(obj, "_repr_mimebundle_", None)
        if callable(bundle):
            try:
                bundle = bundle(include=None, exclude=None)
                if isinstance(bundle, tuple) and bundle:
                    bundle = bundle[0]
                if isinstance(bundle, dict):
                    for mime, content in bundle.items():
                        if mime in PASSED_ON:
                            _put_rendering(data, mime, content)
            except Exception:
                pass
        for mime, name in RENDERINGS:
            method = getattr(obj, name, None)
            if mime not in data and callable(method):
                try:
                    _put_rendering(data, mime, method())
                except Exception:
                    pass
    data["text/plain"] = clip(repr(obj))
    return data


def display(*objs, **options):
    """IPython's display(): each object is shown in its richest form (the model reads its repr).

    IPython's options (include, exclude, metadata, display_id, ...) are accepted and ignored.
    """
    for obj in objs:
        DISPLAYS.add("display", renderings(obj))


def collect_figures():
    """Open matplotlib figures are displayed as PNG (then they are closed), as IPython's inline backend does."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None or getattr(plt.__spec__, "_initializing", False):
        return  # not imported, or the preload is still importing it (so nothing was drawn)
    try:
        for num in plt.get_fignums():
            figure = plt.figure(num)
            buf = io.BytesIO()
            figure.savefig(buf, format="png", bbox_inches="tight")
            DISPLAYS.add("display", {"image/png": base64.b64encode(buf.getvalue()).decode("ascii"),
                                     "text/plain": repr(figure)})
        plt.close("all")
    except Exception as e:  # a broken figure must not lose the cell's result
        print("[figures could not be rendered: %s]" % e, file=sys.stderr)


def preload(names):
    """Imports the heavy libraries while the sandbox waits for its session, so a first action that
    uses them does not wait for their import (seconds under gVisor). A library that is missing or
    fails is left for the code to import, and to see why. Runs beside cells: an import a cell
    makes meanwhile waits for this one (Python's import lock) instead of doing it twice."""
    import importlib
    import logging
    # A first matplotlib import builds its font cache and, when that takes over 5 s (gVisor, a busy
    # machine), says so on stderr: into whatever cell runs meanwhile. Nobody asked for this import.
    fonts = logging.getLogger("matplotlib.font_manager")
    level = fonts.level
    fonts.setLevel(logging.ERROR)
    try:
        for name in filter(None, (n.strip() for n in names.split(","))):
            try:
                importlib.import_module(name)
            except BaseException:  # a broken library must not end the kernel
                pass
    finally:
        fonts.setLevel(level)


def format_error(e):
    """IPython-like: frames of the kernel itself are hidden, cells are shown as `Cell In[n]`."""
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == KERNEL_FILE:
        tb = tb.tb_next
    if isinstance(e, SyntaxError) or tb is None:
        return "".join(traceback.format_exception_only(type(e), e)).rstrip("\n")
    rule = "-" * 75
    out = [rule, "%-41s Traceback (most recent call last)" % type(e).__name__]
    for frame in traceback.extract_tb(tb):
        match = re.match(r"<cell-(\d+)>$", frame.filename)
        if match:
            out.append("Cell In[%s], line %d" % (match.group(1), frame.lineno))
            lines = linecache.getlines(frame.filename)
            for n in range(max(1, frame.lineno - 2), min(len(lines), frame.lineno + 2) + 1):
                arrow = "----> " if n == frame.lineno else "      "
                out.append("%s%d %s" % (arrow, n, lines[n - 1].rstrip("\n")))
        else:
            out.append('File %s:%d, in %s' % (frame.filename, frame.lineno, frame.name))
            if frame.line:
                out.append("    " + frame.line)
        out.append("")
    out.extend("".join(traceback.format_exception_only(type(e), e)).rstrip("\n").splitlines())
    return "\n".join(out)


PUMPS = []


class Watchdog:
    """Ends the kernel when its worker stops talking to it (CODEACT_WATCHDOG_MS without a frame).

    The worker sends {"op": "alive"} with every heartbeat, whatever Redis says. A worker that dies
    closes this pipe (the kernel exits at once) and one that learns a peer took it over stops its
    kernels itself; this bound, minutes long, is for a worker process frozen for good.
    """

    def __init__(self, ms):
        self.limit = ms / 1000.0
        self.last = time.monotonic()

    def fed(self):
        self.last = time.monotonic()

    def start(self):
        if self.limit > 0:
            threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            time.sleep(min(5.0, self.limit / 4))
            if time.monotonic() - self.last > self.limit:
                os._exit(3)  # SandboxProcess.WATCHDOG_EXIT: the worker logs why the sandbox ended


WATCHDOG = Watchdog(int(os.environ.get("CODEACT_WATCHDOG_MS", "0")))


def main():
    kernel = Kernel()
    commands = queue.Queue()

    def read_commands():
        for line in _proto_in:
            try:
                frame = json.loads(line)
            except ValueError:
                continue
            WATCHDOG.fed()
            if frame.get("op") == "interrupt":
                kernel.interrupt()
            elif frame.get("op") == "tool_result":
                TOOLS.answer(frame)
            elif frame.get("op") != "alive":
                commands.put(frame)
        os._exit(0)

    threading.Thread(target=OUT.run, daemon=True).start()
    PUMPS.append(FdPump(1, "stdout"))
    PUMPS.append(FdPump(2, "stderr"))
    sys.stdout = StreamWriter("stdout")
    sys.stderr = StreamWriter("stderr")
    os.write = ordered_write
    os.register_at_fork(after_in_child=_child_streams)
    sys.stdin = NoInput()
    builtins.input = _no_input
    threading.Thread(target=read_commands, daemon=True).start()
    WATCHDOG.start()
    send({"ev": "ready", "python": sys.version.split()[0], "pid": os.getpid()})
    if os.environ.get("CODEACT_PRELOAD"):  # a thread costs address space (the rlimit counts it): none for nothing
        threading.Thread(target=preload, args=(os.environ["CODEACT_PRELOAD"],), daemon=True).start()
    while True:
        try:
            frame = commands.get()
            if frame.get("op") == "exec" and isinstance(frame.get("code"), str):
                if frame.get("tools") is not None:
                    TOOLS.define(frame["tools"], kernel.ns)
                kernel.execute(frame.get("id"), frame["code"])
            elif frame.get("op") in FILE_OPS:
                run_file_op(frame.get("id"), frame)
        except KeyboardInterrupt:
            # An interrupt that arrived just after a cell ended: nothing left to stop.
            continue


if __name__ == "__main__":
    main()
