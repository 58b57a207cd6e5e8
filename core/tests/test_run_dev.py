"""`make run` (scripts/run_dev.py) starts the task worker beside the server, stops it with the
server, and prints the address it actually serves on (the next free port when one is taken).

The server and the worker are stand-ins here (small Python programs), so the test needs no
database and no Django server: what is tested is the starting, the address and the stopping."""

import importlib.util
import socket
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "run_dev.py"


@pytest.fixture
def run_dev():
    spec = importlib.util.spec_from_file_location("run_dev", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def python(code: str):
    """A stand-in command: this Python running `code`, given the host and the port."""
    return lambda host, port: [sys.executable, "-c", code, host, str(port)]


# Listens, answers the one connection the script makes to see it is up, then exits.
SERVER = """
import socket, sys
with socket.create_server((sys.argv[1], int(sys.argv[2]))) as server:
    connection, _ = server.accept()
    connection.close()
"""
# Runs until it is stopped.
WORKER = "import signal; signal.pause()"


def test_a_taken_port_is_skipped(run_dev):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        assert run_dev.free_port("127.0.0.1", port) != port
    assert run_dev.address("0.0.0.0", 8001).startswith("http://127.0.0.1:8001/")
    assert run_dev.address("::1", 8001) == "http://[::1]:8001/"


def test_the_worker_runs_beside_the_server_and_stops_with_it(run_dev, capsys):
    port = run_dev.free_port("127.0.0.1", 28000)
    run = run_dev.DevRun("127.0.0.1", port, server=python(SERVER), worker=python(WORKER))
    assert run.main() == 0
    assert run.worker.poll() is not None  # stopped when the server stopped
    assert f"Dangjian: http://127.0.0.1:{port}/" in capsys.readouterr().out


def test_the_periodic_scheduler_runs_beside_the_server_and_stops_with_it(run_dev):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
    run = run_dev.DevRun(
        "127.0.0.1", port, server=python(SERVER), worker=None, scheduler=python(WORKER)
    )
    assert run.main() == 0
    assert run.scheduler.poll() is not None
    assert run_dev.scheduler_command("h", 1)[-1] == "run_periodic"


def test_a_server_that_fails_to_start_stops_the_worker_too(run_dev):
    run = run_dev.DevRun(
        "127.0.0.1", 1, server=python("raise SystemExit(3)"), worker=python(WORKER)
    )
    assert run.main() == 3
    assert run.worker.poll() is not None
