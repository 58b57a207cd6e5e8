#!/usr/bin/env python3
"""`make run`: the development server and, beside it, the task worker (`manage.py db_worker`)
that runs large roster imports and the periodic jobs' scheduler (`manage.py run_periodic`).
Ctrl-C, or the server stopping, stops all three.

    scripts/run_dev.py [HOST] [PORT]

When PORT is taken the next free one is used, and the address the server actually answers on
is printed once it does. Without the worker a large import would wait at "排队中 0%" forever.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PORTS_TRIED = 20
STARTUP_SECONDS = 60
STOP_SECONDS = 10


def free_port(host: str, port: int, tries: int = PORTS_TRIED) -> int:
    """`port`, or the next one on `host` that nothing listens on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for candidate in range(port, port + tries):
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            # As the server binds: a port left in TIME_WAIT by the last run is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, candidate))
            except OSError:
                continue
            return candidate
    raise SystemExit(f"No free port in {port}-{port + tries - 1} on {host}: set PORT=…")


def address(host: str, port: int) -> str:
    """The address to open in a browser."""
    if host in ("0.0.0.0", "", "::"):
        return f"http://127.0.0.1:{port}/ (and this machine's other addresses)"
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def _answers(host: str, port: int) -> bool:
    target = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host
    try:
        with socket.create_connection((target, port), timeout=0.5):
            return True
    except OSError:
        return False


def _needs_worker() -> bool:
    """Only the database queue needs `db_worker` (tests use the immediate backend; RQ has its
    own workers)."""
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.conf import settings

    django.setup()
    return settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db.")


def _manage(*args: str) -> list[str]:
    return [sys.executable, str(BASE_DIR / "manage.py"), *args]


def server_command(host: str, port: int) -> list[str]:
    return _manage("runserver", f"[{host}]:{port}" if ":" in host else f"{host}:{port}")


def worker_command(host: str, port: int) -> list[str]:
    return _manage("db_worker")


def scheduler_command(host: str, port: int) -> list[str]:
    return _manage("run_periodic")


class DevRun:
    """The server and the worker, each in its own process group, so that stopping one stops
    everything it started (runserver's autoreloader runs the server in a child)."""

    def __init__(self, host, port, *, server=server_command, worker=worker_command, scheduler=None):
        self.host, self.port = host, port
        self.server_command, self.worker_command = server, worker
        self.scheduler_command = scheduler
        self.server = self.worker = self.scheduler = None

    def _start(self, command) -> subprocess.Popen:
        return subprocess.Popen(
            command(self.host, self.port),
            cwd=BASE_DIR,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def main(self) -> int:
        try:
            if self.worker_command is not None:
                self.worker = self._start(self.worker_command)
            if self.scheduler_command is not None:
                self.scheduler = self._start(self.scheduler_command)
            self.server = self._start(self.server_command)
            deadline = time.monotonic() + STARTUP_SECONDS
            while not _answers(self.host, self.port):
                if self.server.poll() is not None:
                    return self.server.returncode
                if time.monotonic() > deadline:
                    print(f"The server did not answer on port {self.port}.", file=sys.stderr)
                    return 1
                time.sleep(0.2)
            worker = (
                f"task worker (pid {self.worker.pid}) and periodic scheduler running, "
                "stopped with the server"
                if self.worker
                else "no task worker needed for this TASKS backend"
            )
            print(f"\nDangjian: {address(self.host, self.port)}\n  {worker}; Ctrl-C stops.\n")
            sys.stdout.flush()
            return self.server.wait()
        except KeyboardInterrupt:
            return 130
        finally:
            stop(self.server)
            stop(self.worker)
            stop(self.scheduler)


def stop(process: subprocess.Popen | None) -> None:
    """Stop a process and whatever it started (its process group): politely (SIGTERM), then
    for good."""
    if process is None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return  # nothing of it is left
    try:
        process.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def main(argv: list[str]) -> int:
    host = argv[1] if len(argv) > 1 else "127.0.0.1"
    wanted = int(argv[2]) if len(argv) > 2 else 8000
    port = free_port(host, wanted)
    if port != wanted:
        print(f"Port {wanted} is in use; serving on {port}.")
    worker = worker_command if _needs_worker() else None
    # `make` stopped, or the terminal closed: stop both all the same (DevRun.main's finally).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGHUP, lambda *_: sys.exit(129))
    return DevRun(host, port, worker=worker, scheduler=scheduler_command).main()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
