"""Read an untrusted file in a worker process, with hard limits on time and memory.

PDF, HTML and Word parsers run on files from anywhere; one may loop, inflate a bomb or crash
the interpreter. Such files are read by a worker process (``python -m qa.readers.isolate``):
a file may take at most ``SECONDS`` and add at most ``MEMORY`` bytes to the worker's address
space, and whatever goes wrong becomes ``UnreadableFile`` (a warning), never a stalled or
crashed build. A worker that overran or died is killed and the next file starts a new one.

The worker is started on the first such file and then serves every file after it (about a
millisecond each); it imports a format's library when a file of that format first comes, and
exits when this process does (its input closes). It is a plain subprocess rather than a
``multiprocessing`` child, so it never re-imports the caller's ``__main__`` and never inherits
the threads of a running chat.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path

from qa.errors import UnreadableFile
from qa.readers.base import Extracted, Reader

SECONDS = 120.0  # a 1,000-page PDF takes pypdf about a minute on a slow core
MEMORY = 2 << 30  # bytes a file may add to the worker's address space

_lock = threading.Lock()
_worker: subprocess.Popen | None = None


def read(reader: Reader, path: Path, raw: bytes, seconds: float | None = None,
         memory: int | None = None) -> Extracted:
    """``reader(path, raw)`` in the worker; ``UnreadableFile`` if it fails, overruns or dies."""
    seconds = SECONDS if seconds is None else seconds
    memory = MEMORY if memory is None else memory
    with _lock:
        try:
            worker = _running()
        except OSError:  # no processes to be had here: read in this one, without the limits
            return reader(path, raw)
        request = ((reader.__module__, reader.__qualname__), str(path), raw, seconds, memory)
        try:
            _send(worker, request)
        except OSError:  # it died since the last file: once more with a new one
            _stop()
            worker = _running()
            _send(worker, request)
        answer = _receive(worker, seconds)
        if answer is None:
            _stop()
            raise UnreadableFile(f"gave up after {seconds:.0f} s (a damaged or hostile file?)")
        if isinstance(answer, BaseException):
            code = _stop(ended=True)
            raise UnreadableFile(_died(code, memory))
    kind, value = answer
    if kind == "ok":
        return value
    raise UnreadableFile(value)


def _send(worker: subprocess.Popen, request: tuple) -> None:
    pickle.dump(request, worker.stdin, protocol=pickle.HIGHEST_PROTOCOL)
    worker.stdin.flush()


def _running() -> subprocess.Popen:
    global _worker
    if _worker is None or _worker.poll() is not None:
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        _worker = subprocess.Popen(
            [sys.executable, "-m", "qa.readers.isolate"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env=env, close_fds=True,
        )
    return _worker


def _stop(ended: bool = False) -> int | None:
    """Kill the worker (``ended``: it closed its output, so let it finish dying first); its exit
    code (negative: the signal that ended it)."""
    global _worker
    worker, _worker = _worker, None
    if worker is None:
        return None
    try:
        code = worker.wait(5) if ended else worker.poll()
    except subprocess.TimeoutExpired:
        code = None
    if code is None:
        worker.kill()
    try:
        code = worker.wait(10)
    except subprocess.TimeoutExpired:
        pass
    for pipe in (worker.stdin, worker.stdout):
        try:
            pipe.close()
        except OSError:
            pass
    return code


def _receive(worker: subprocess.Popen, seconds: float):
    """The worker's answer; None after ``seconds``; the exception if it died (EOF)."""
    box: list = []

    def get() -> None:
        try:
            box.append(pickle.load(worker.stdout))
        except BaseException as exc:  # noqa: BLE001 - EOF, a broken pipe, a bad pickle
            box.append(exc)

    t = threading.Thread(target=get, daemon=True, name="qa-reader-wait")
    t.start()
    t.join(seconds)
    return box[0] if box else None


def _died(code: int | None, memory: int) -> str:
    if code is not None and code < 0:
        import signal

        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        if name == "SIGKILL":
            return f"its reader was killed (out of memory? a file may use {memory / (1 << 30):.1f} GB)"
        return f"its reader crashed ({name})"
    return f"its reader stopped without a result (exit code {code})"


# ---------------------------------------------------------------------------- the worker


def _serve() -> None:
    """Answer requests on stdin until it closes: ``((module, name), path, raw, seconds, memory)``."""
    channel = os.fdopen(os.dup(1), "wb")
    _quiet()
    requests = sys.stdin.buffer
    while True:
        try:
            (module, name), path, raw, seconds, memory = pickle.load(requests)
        except EOFError:
            return
        _alarm(seconds + 10)  # if the parent is gone and nobody kills us, we still stop
        _limit_memory(memory)
        result, fresh = _run(module, name, Path(path), raw, memory)
        del raw
        _limit_memory(None)
        _alarm(0)
        try:
            pickle.dump(result, channel, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            pickle.dump(("unreadable", "its text is too large to pass on"), channel)
            fresh = True
        channel.flush()
        if fresh:  # memory ran out: start the next file in a new worker
            return


def _run(module: str, name: str, path: Path, raw: bytes, memory: int) -> tuple[tuple[str, object], bool]:
    try:
        import importlib

        reader = getattr(importlib.import_module(module), name)
    except Exception as exc:
        return ("unreadable", f"no reader {module}.{name} here ({type(exc).__name__}: {exc})"), False
    try:
        return ("ok", reader(path, raw)), False
    except UnreadableFile as exc:
        return ("unreadable", str(exc)), False
    except MemoryError:
        return ("unreadable", f"needs more than {memory / (1 << 30):.1f} GB of memory to read"), True
    except RecursionError:
        return ("unreadable", "nested too deeply to read"), False
    except Exception as exc:  # a parser's bug on a strange file: a warning, not a crash
        text = " ".join(str(exc).split())[:160]
        return ("unreadable", f"could not be read ({type(exc).__name__}{': ' + text if text else ''})"), False


def _quiet() -> None:
    """Libraries may print or log: the terminal belongs to the parent (a chat may be drawn on it)."""
    import logging

    logging.disable(logging.CRITICAL)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)


def _alarm(seconds: float) -> None:
    import signal

    if hasattr(signal, "alarm"):
        signal.alarm(int(seconds) + 1 if seconds else 0)


_base_limit: tuple[int, int] | None = None


def _limit_memory(extra: int | None) -> None:
    """Cap the address space at what is used now plus ``extra`` (None: lift the cap)."""
    global _base_limit
    try:
        import resource

        if _base_limit is None:
            _base_limit = resource.getrlimit(resource.RLIMIT_AS)
        soft, hard = _base_limit
        if extra is not None:
            with open("/proc/self/statm") as fh:
                used = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
            soft = used + extra if hard == resource.RLIM_INFINITY else min(used + extra, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    except (ImportError, OSError, ValueError):
        pass  # no /proc or no rlimits (macOS, Windows): the time limit still holds


if __name__ == "__main__":
    _serve()
