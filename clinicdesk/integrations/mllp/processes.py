"""Several listener processes on one port (``clinicdesk mllp --processes N``), so intake can use several cores.

Each process is a fork of the command's process with its own listening socket on the same address
(SO_REUSEPORT, Linux: the kernel spreads new connections over the processes), its own loop and its own database
connection. The parent only supervises: it keeps the port bound (without listening, so it takes no connection),
restarts a listener that dies, and on SIGTERM stops them all. A listener killed with frames in hand loses nothing
that was acknowledged: what it had not answered is sent again by the lab, and stored once.

With SQLite the processes' writes take turns on the database lock; with PostgreSQL they run side by side.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import socket
import sys
import time
from collections.abc import Callable

from .server import MLLPServer

log = logging.getLogger(__name__)

RESTART_DELAY = 1.0
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


def _exit(signum: int, frame: object) -> None:
    raise SystemExit(0)


def reuse_port_supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to SIGTERM this process when the parent dies (even SIGKILLed); Linux only, best effort."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before that took effect
        os._exit(0)


def _child(make_server: Callable[[int], MLLPServer], port: int, ready: int, parent: int) -> None:
    """The forked listener's whole life; never returns into the parent's code."""
    code = 0
    try:
        _die_with_parent(parent)
        server = make_server(port)
        os.write(ready, b".")
        os.close(ready)
        try:
            server.serve_forever(poll_interval=0.5)
        finally:
            server.server_close()
    except SystemExit:
        pass
    except BaseException:
        log.exception("MLLP listener process %d failed", os.getpid())
        code = 1
    finally:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _fork(make_server: Callable[[int], MLLPServer], port: int, ready: int, keep: list[int]) -> int:
    parent = os.getpid()
    # SIGTERM/SIGINT wait until the child has its own handlers: arriving in between, the parent's handler would
    # run the parent's code (stopping the other listeners) in the child.
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    try:
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, _exit)
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops the listeners
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            for fd in keep:
                with contextlib.suppress(OSError):
                    os.close(fd)
            _child(make_server, port, ready, parent)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    return pid


def _wait_ready(ready: int, children: dict[int, int], count: int) -> None:
    """Until ``count`` listeners said they listen; a listener that dies first is an error."""
    deadline = time.monotonic() + START_TIMEOUT
    while count:
        readable, _, _ = select.select([ready], [], [], 0.2)
        if readable:
            count -= len(os.read(ready, count))
            continue
        for pid in list(children):
            if os.waitpid(pid, os.WNOHANG)[0]:
                children.pop(pid)
                raise RuntimeError(f"MLLP listener process {pid} exited at start")
        if time.monotonic() > deadline:
            raise TimeoutError("MLLP listener processes did not start")


def _stop(children: dict[int, int]) -> None:
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for pid in list(children):
        while True:
            try:
                if os.waitpid(pid, os.WNOHANG)[0]:
                    break
            except ChildProcessError:
                break
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                break
            time.sleep(0.05)
        children.pop(pid)


def serve_processes(make_server: Callable[[int], MLLPServer], host: str, port: int, processes: int,
                    started: Callable[[int], None]) -> None:
    """Run ``processes`` listeners made by ``make_server(port)`` (which must pass ``reuse_port=True``) until
    SIGTERM or Ctrl-C; ``started(port)`` is called once all of them listen."""
    from django.db import connections

    if not reuse_port_supported():
        raise RuntimeError("several listener processes need SO_REUSEPORT (Linux)")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    reserve = socket.socket(family, socket.SOCK_STREAM)  # holds the port, also across restarts; never listens
    reserve.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    reserve.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    reserve.bind((host, port))
    port = int(reserve.getsockname()[1])
    connections.close_all()  # a connection must never be shared by two processes
    ready_r, ready_w = os.pipe()
    children: dict[int, int] = {}
    signal.signal(signal.SIGTERM, _exit)
    try:
        for slot in range(processes):
            children[_fork(make_server, port, ready_w, [ready_r, reserve.fileno()])] = slot
        _wait_ready(ready_r, children, processes)
        started(port)
        while True:
            pid, status = os.wait()
            slot_of = children.pop(pid, None)
            if slot_of is None:
                continue
            log.warning("MLLP listener process %d ended (status %d); starting another", pid, status)
            time.sleep(RESTART_DELAY)
            children[_fork(make_server, port, ready_w, [ready_r, reserve.fileno()])] = slot_of
    except KeyboardInterrupt:
        pass
    finally:
        _stop(children)
        os.close(ready_r)
        os.close(ready_w)
        reserve.close()
