#!/usr/bin/env python3
"""Rehearse docs/deploy.md on one machine: the recipe for several servers, each role a process.

    .venv/bin/python scripts/deploy_rehearsal.py [--port 8103]

Brings up, from the worktree's code and .env keys:
  - PostgreSQL database dj_rehearsal_<pid> (created here, dropped at the end), with the reports
    alias pointing at it as a replica would (REPORTS_DATABASE_URL);
  - Redis on 127.0.0.1:6379 database 11 for the cache, cached_db sessions and the RQ queue;
  - two app servers (gunicorn on their own unix sockets) behind nginx on 127.0.0.1:PORT;
  - an RQ worker (`manage.py rqworker default`) and the periodic scheduler (`run_periodic`);
  - MEDIA_ROOT and PRIVATE_MEDIA_ROOT in one folder every process shares (an NFS mount's part).
Then checks, through the proxy: both app servers answer; a session signed in on one is valid on
the other; a roster upload received by an app server is previewed by the worker from the shared
private storage; a rolling restart of the app servers loses no request; `backup` and `restore`
into a new, empty database. Prints each step; exits non-zero at the first failure. Needs nginx,
pg_dump/pg_restore, createdb/dropdb and a Redis answering (Debian: nginx postgresql-client
redis-server). Everything it starts it stops; it drops only the databases it created.
"""

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The interpreter running this script, and its environment's gunicorn (normally .venv's).
PY = sys.executable
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
PASSWORD = "Meili-Xueshan#26"
NGINX_CONF = """
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
    log_format upstream '$status $upstream_addr $request';
    access_log {run}/nginx-access.log upstream;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    upstream dangjian {{
        server unix:{run}/app1.sock max_fails=1 fail_timeout=5s;
        server unix:{run}/app2.sock max_fails=1 fail_timeout=5s;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 25m;
        location / {{
            proxy_pass http://dangjian;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 120s;
            # An app server restarting: the request goes to the other one.
            proxy_next_upstream error timeout http_502 http_503;
        }}
    }}
}}
"""


def step(message: str) -> None:
    print(f"--- {message}", flush=True)


def fail(message: str) -> None:
    print(f"FAILED: {message}", flush=True)
    raise SystemExit(1)


class Rehearsal:
    def __init__(self, port: int):
        self.port = port
        self.work = Path(tempfile.mkdtemp(prefix="dangjian-rehearsal-"))
        self.run = self.work / "run"
        self.run.mkdir()
        # nginx's workers run as another user (nobody, www-data): they reach the sockets.
        self.work.chmod(0o711)
        self.run.chmod(0o711)
        self.processes: dict[str, subprocess.Popen] = {}
        self.databases: list[str] = []
        keys = dict(
            line.split("=", 1)
            for line in (ROOT / ".env").read_text().splitlines()
            if "=" in line and not line.startswith("#")
        )
        self.db_name = f"dj_rehearsal_{os.getpid()}"
        url = f"postgres://postgres@127.0.0.1:5432/{self.db_name}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "CACHE"))},
            "SECRET_KEY": keys["SECRET_KEY"],
            "FIELD_ENCRYPTION_KEY": keys["FIELD_ENCRYPTION_KEY"],
            "DEBUG": "0",
            "SECURE_SSL_REDIRECT": "0",  # the rehearsal speaks plain HTTP on 127.0.0.1
            "SECURE_COOKIES": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "TRUSTED_PROXIES": "127.0.0.1",
            "DATABASE_URL": url,
            "REPORTS_DATABASE_URL": url,
            "CACHE_URL": "redis://127.0.0.1:6379/11",
            "SESSION_STORE": "cached_db",
            "TASKS_BACKEND": "django_tasks_rq.RQBackend",
            "RQ_URL": "redis://127.0.0.1:6379/11",
            "MEDIA_ROOT": str(self.work / "shared" / "uploads"),
            "PRIVATE_MEDIA_ROOT": str(self.work / "shared" / "private"),
            "ROSTER_BACKGROUND_ROWS": "5",  # every roster file goes to the worker
        }
        jar = http.cookiejar.CookieJar()
        self.browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        self.jar = jar

    # processes -----------------------------------------------------------------------------

    def manage(self, *args: str, env: dict | None = None) -> str:
        result = subprocess.run(
            [PY, "manage.py", *args],
            cwd=ROOT,
            env=env or self.env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            fail(f"manage.py {' '.join(args)}: {result.stderr[-2000:]}")
        return result.stdout

    def shell(self, code: str, env: dict | None = None) -> str:
        """The last line `manage.py shell -c code` prints (above it, the shell's own notes)."""
        lines = self.manage("shell", "-c", code, env=env).strip().splitlines()
        return lines[-1] if lines else ""

    def start(self, name: str, command: list[str]) -> None:
        log = open(self.run / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def app_server(self, name: str) -> None:
        socket = self.run / f"{name}.sock"
        socket.unlink(missing_ok=True)
        self.start(
            name,
            [GUNICORN, "config.wsgi", "-w", "2", "--timeout", "120", "-b", f"unix:{socket}"],
        )
        deadline = time.monotonic() + 30
        while not socket.exists():
            if time.monotonic() > deadline or self.processes[name].poll() is not None:
                fail(f"{name} did not start: {(self.run / f'{name}.log').read_text()[-2000:]}")
            time.sleep(0.2)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process and process.poll() is None:
            process.send_signal(signal.SIGTERM)  # gunicorn: graceful, finishes its requests
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()

    def teardown(self) -> None:
        if "nginx" in self.processes:
            subprocess.run(
                ["nginx", "-p", str(self.run), "-c", str(self.run / "nginx.conf"), "-s", "stop"],
                capture_output=True,
            )
            self.processes.pop("nginx")
        for name in list(self.processes):
            self.stop(name)
        # Redis database 11 is the rehearsal's own: its queue, cache and sessions go with it.
        subprocess.run(["redis-cli", "-n", "11", "flushdb"], capture_output=True)
        for name in self.databases:
            subprocess.run(
                ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", name],
                capture_output=True,
            )
        shutil.rmtree(self.work, ignore_errors=True)

    def createdb(self, name: str) -> None:
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        self.databases.append(name)

    # HTTP ----------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str, opener=None) -> tuple[int, str]:
        try:
            with (opener or self.browser).open(self.url(path), timeout=60) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, ""

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def post(self, path: str, body: bytes, content_type: str) -> tuple[int, str, str]:
        request = urllib.request.Request(
            self.url(path),
            data=body,
            headers={
                "Content-Type": content_type,
                "X-CSRFToken": self.csrf(),
                "Referer": self.url(path),
            },
        )
        with self.browser.open(request, timeout=120) as response:
            return response.status, response.geturl(), response.read().decode(errors="replace")

    def upstreams(self) -> list[str]:
        log = self.run / "nginx-access.log"
        return [line.split()[1] for line in log.read_text().splitlines() if line.strip()]

    # the rehearsal -------------------------------------------------------------------------

    def up(self) -> None:
        step(f"PostgreSQL database {self.db_name}, migrate, collectstatic, seed")
        self.createdb(self.db_name)
        self.manage("migrate", "--noinput")
        if not (ROOT / "var" / "static" / "staticfiles.json").exists():  # `make static` did it
            self.manage("collectstatic", "--noinput", "--verbosity", "0")
        self.manage("seed", "--members", "300")
        step("two app servers, an RQ worker, the periodic scheduler, nginx")
        self.app_server("app1")
        self.app_server("app2")
        self.start("worker", [PY, "manage.py", "rqworker", "default"])
        self.start("periodic", [PY, "manage.py", "run_periodic"])
        (self.run / "nginx.conf").write_text(NGINX_CONF.format(run=self.run, port=self.port))
        result = subprocess.run(
            ["nginx", "-p", str(self.run), "-c", str(self.run / "nginx.conf")],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            fail(f"nginx: {result.stderr}")
        self.processes["nginx"] = None  # type: ignore[assignment]  (stopped with -s stop)

    def check_both_servers_and_shared_sessions(self) -> None:
        step("both app servers answer through the proxy")
        for _ in range(10):
            status, _body = self.get("/healthz/")
            if status != 200:
                fail(f"/healthz/ answered {status}")
        seen = set(self.upstreams())
        if len(seen) != 2:
            fail(f"one app server only answered: {seen}")
        step("a session signed in on one app server is valid on the other (cached_db, Redis)")
        self.get("/login/")
        form = f"username=secretary_a&password={urllib.parse.quote(PASSWORD)}"
        self.post("/login/", form.encode(), "application/x-www-form-urlencoded")
        before = len(self.upstreams())
        for _ in range(6):
            status, body = self.get("/")
            if status != 200 or 'name="password"' in body:
                fail(f"home page answered {status} or asked to sign in again")
        served = set(self.upstreams()[before:])
        if len(served) != 2:
            fail(f"the signed-in pages came from one app server only: {served}")

    def check_roster_through_the_worker(self) -> None:
        step("a roster upload on an app server is previewed by the RQ worker (shared storage)")
        organisation = self.shell(
            "from accounts.models import User; "
            "print(User.objects.get(username='secretary_a').organisation_id)"
        )
        export = self.browser.open(self.url("/members/export/"), timeout=120).read()
        boundary = uuid.uuid4().hex
        body_bytes = (
            (
                f"--{boundary}\r\n"
                'Content-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
                f'{self.csrf()}\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="roster.xlsx"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
            + export
            + f"\r\n--{boundary}--\r\n".encode()
        )
        _status, final_url, _page = self.post(
            f"/organisations/{organisation}/roster/",
            body_bytes,
            f"multipart/form-data; boundary={boundary}",
        )
        match = re.search(r"/roster/([A-Z0-9]+)/", final_url)
        if not match:
            fail(f"the upload did not lead to a batch page: {final_url}")
        code = match.group(1)
        deadline = time.monotonic() + 120
        while True:
            state = self.shell(
                "from roster.models import ImportBatch; "
                f"b = ImportBatch.objects.get(code='{code}'); print(b.status, b.background)"
            ).split()
            if state[0] not in ("queued", "previewing", "uploaded"):
                break
            if time.monotonic() > deadline:
                fail(f"batch {code} still {state[0]}: is the worker running?")
            time.sleep(1)
        if state != ["previewed", "True"]:
            fail(f"batch {code}: {state}; worker log: {(self.run / 'worker.log').read_text()}")
        if "Job OK" not in (self.run / "worker.log").read_text():
            fail("the RQ worker log shows no job done")

    def check_rolling_restart(self) -> None:
        step("rolling restart of the app servers: no request lost")
        failures = 0
        for name in ("app1", "app2"):
            self.stop(name)
            for _ in range(10):
                status, _body = self.get("/healthz/")
                failures += status != 200
            self.app_server(name)
            for _ in range(5):
                status, _body = self.get("/healthz/")
                failures += status != 200
        if failures:
            fail(f"{failures} requests failed during the rolling restart")

    def check_backup_and_restore(self) -> None:
        step("manage.py backup, then restore into a new, empty database")
        archive = self.work / "backup.tar.gz"
        print(self.manage("backup", str(archive)).strip())
        restored = f"{self.db_name}_restored"
        self.createdb(restored)
        env = {
            **self.env,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{restored}",
            "REPORTS_DATABASE_URL": "",
            "MEDIA_ROOT": str(self.work / "restored" / "uploads"),
            "PRIVATE_MEDIA_ROOT": str(self.work / "restored" / "private"),
        }
        print(self.manage("restore", str(archive), env=env).strip())
        counts = "from organisations.models import Member as M; print(M.objects.count())"
        if self.shell(counts) != self.shell(counts, env=env):
            fail("the restored database has another number of members")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8103)
    parser.add_argument("--keep", action="store_true", help="leave it running (Ctrl-C stops)")
    args = parser.parse_args()
    for tool in ("nginx", "createdb", "dropdb", "pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            print(f"{tool} is missing: sudo apt-get install nginx postgresql-client")
            return 2
    rehearsal = Rehearsal(args.port)

    def stopped(signum, frame):
        raise KeyboardInterrupt  # a `timeout` or service stop still tears everything down

    signal.signal(signal.SIGTERM, stopped)
    try:
        rehearsal.up()
        rehearsal.check_both_servers_and_shared_sessions()
        rehearsal.check_roster_through_the_worker()
        rehearsal.check_rolling_restart()
        rehearsal.check_backup_and_restore()
        step("all checks passed")
        if args.keep:
            print(f"http://127.0.0.1:{args.port}/ — Ctrl-C stops")
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    except BaseException:
        for log in sorted(rehearsal.run.glob("*.log")):
            print(f"=== {log.name} (last lines)\n" + "\n".join(log.read_text().splitlines()[-25:]))
        raise
    finally:
        rehearsal.teardown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
