"""Baselines of bin/bench for one short action (`print(1)`), measured in the same run as the gateway.

  kernel   our kernel file alone, unsandboxed, on the interpreter running this (the sandbox's): exec frame in, its done frame out (pipes)
  runsc    a bare pipe round trip into a live runsc sandbox (`cat`): the floor of any sandboxed kernel
           (the runsc of the environment's RUNSC, else the one on PATH)
  kernel-runsc  our kernel file in a runsc sandbox (`runsc do`, no bundle), only with --kernel-in-runsc
  jupyter  Debian's python3-ipykernel driven by python3-jupyter-client: execute → status idle

Usage: /usr/bin/python3 bench/kernels.py [--no-jupyter] [--kernel-in-runsc] KERNEL_FILE ROUNDS CONCURRENCY [CONCURRENCY …]
Prints one JSON object: {"<what>@<concurrency>": {"p50": ms, "p99": ms, "n": count} | {"skipped": why}}.
Sessions run concurrently, each one round trip after another, like the gateway's sessions.
"""
import json
import os
import selectors
import subprocess
import sys
import threading
import time

BOOTSTRAP = "import sys,json;exec(compile(json.loads(sys.stdin.buffer.readline()),'<codeact-kernel>','exec'))"


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def summary(times):
    return {"p50": pct(times, 50), "p99": pct(times, 99), "n": len(times)}


class Pipe:
    """One process spoken to in lines; `ask` starts a round trip, `answer` says when it is complete."""

    def __init__(self, command, first_line=None):
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        self.buffer = b""
        if first_line is not None:
            self.proc.stdin.write(first_line)

    def lines(self):
        data = os.read(self.proc.stdout.fileno(), 65536)
        if not data:
            raise RuntimeError("the process ended")
        self.buffer += data
        *complete, self.buffer = self.buffer.split(b"\n")
        return complete

    def close(self):
        self.proc.kill()
        self.proc.wait()


def run_pipes(pipes, rounds, request, is_answer):
    """Every pipe does `rounds` round trips, all pipes at once, from one thread (a selector)."""
    sel = selectors.DefaultSelector()
    times = []
    left = {}
    for n, pipe in enumerate(pipes):
        sel.register(pipe.proc.stdout, selectors.EVENT_READ, pipe)
        left[pipe] = rounds
        pipe.started = time.perf_counter()
        pipe.proc.stdin.write(request(n))
    while left:
        for key, _ in sel.select():
            pipe = key.data
            for line in pipe.lines():
                if is_answer(line):
                    times.append((time.perf_counter() - pipe.started) * 1000)
                    left[pipe] -= 1
                    if left[pipe] == 0:
                        del left[pipe]
                        sel.unregister(pipe.proc.stdout)
                    else:
                        pipe.started = time.perf_counter()
                        pipe.proc.stdin.write(request(left[pipe]))
    return times


def kernel(source, rounds, concurrency, prefix=()):
    first = (json.dumps(source) + "\n").encode()
    pipes = [Pipe([*prefix, sys.executable, "-I", "-c", BOOTSTRAP], first) for _ in range(concurrency)]
    try:
        for pipe in pipes:
            while not any(b'"ready"' in line for line in pipe.lines()):
                pass
        exec_frame = lambda n: (json.dumps({"op": "exec", "id": "b%d" % n, "code": "print(1)"}) + "\n").encode()
        run_pipes(pipes, 3, exec_frame, lambda line: b'"done"' in line)  # warm up
        return summary(run_pipes(pipes, rounds, exec_frame, lambda line: b'"done"' in line))
    finally:
        for pipe in pipes:
            pipe.close()


def in_runsc():
    platform = os.environ.get("RUNSC_PLATFORM")
    return [os.environ.get("RUNSC", "runsc"), *([f"--platform={platform}"] if platform else []), "--network=none", "do"]


def runsc(rounds, concurrency):
    pipes = [Pipe([*in_runsc(), "cat"]) for _ in range(concurrency)]
    try:
        run_pipes(pipes, 3, lambda n: b"x\n", lambda line: line == b"x")  # waits until each sandbox is up
        return summary(run_pipes(pipes, rounds, lambda n: b"x\n", lambda line: line == b"x"))
    finally:
        for pipe in pipes:
            pipe.close()


def jupyter(rounds, concurrency):
    try:
        from jupyter_client.manager import start_new_kernel
    except ImportError:
        return {"skipped": "python3-ipykernel / python3-jupyter-client not installed"}
    started = [start_new_kernel(kernel_name="python3", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for _ in range(concurrency)]
    times = []
    lock = threading.Lock()

    def session(client):
        mine = []
        for i in range(rounds + 3):
            t = time.perf_counter()
            msg_id = client.execute("print(1)")
            while True:
                msg = client.get_iopub_msg(timeout=30)
                if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                        and msg["content"]["execution_state"] == "idle"):
                    break
            if i >= 3:
                mine.append((time.perf_counter() - t) * 1000)
        with lock:
            times.extend(mine)

    try:
        threads = [threading.Thread(target=session, args=(client,)) for _, client in started]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return summary(times)
    finally:
        for manager, client in started:
            client.stop_channels()
            manager.shutdown_kernel(now=True)


def main():
    args = sys.argv[1:]
    with_jupyter = "--no-jupyter" not in args
    kernel_in_runsc = "--kernel-in-runsc" in args
    args = [a for a in args if not a.startswith("--")]
    source = open(args[0]).read()
    rounds = int(args[1])
    out = {}
    for concurrency in map(int, args[2:]):
        out["kernel@%d" % concurrency] = kernel(source, rounds, concurrency)
        out["runsc@%d" % concurrency] = runsc(rounds, concurrency)
        if kernel_in_runsc:
            out["kernel-runsc@%d" % concurrency] = kernel(source, rounds, concurrency, in_runsc())
        out["jupyter@%d" % concurrency] = (jupyter(rounds, concurrency) if with_jupyter
                                           else {"skipped": "not in a --quick run"})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
