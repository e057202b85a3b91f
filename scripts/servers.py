"""Real servers for tests and scripts: gunicorn in a subprocess, and a loopback TCP proxy that can
be cut (in a thread of the caller) or frozen (in a process of its own).

`python -m scripts.servers proxy TARGET_HOST TARGET_PORT [LISTEN_PORT]` runs the proxy alone."""
import http.client
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import psycopg

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "k7#Qv9!pL2$zR8^wX4&mN6*tB1@yH3%cJ5+dF0=gS-uE7(aT2)oW9_iZ4~"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(*args, env, check=True):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=check, timeout=300)


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


class Gunicorn:
    def __init__(self, env, workers=1):
        self.port = free_port()
        self.workers = workers
        self.env = {**os.environ, **env, "BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(workers)}
        self.process = None

    def __enter__(self):
        # Its log goes to a file, read when asked for: a pipe nobody reads fills up after 64 KiB
        # of warnings and then blocks every worker that writes one.
        self.log = tempfile.TemporaryFile("w+")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "catalogue/gunicorn.conf.py", "catalogue.wsgi"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    pass
            except OSError:
                time.sleep(0.2)
                continue
            # The master listens before it has forked every worker: ready when all are there.
            if len(self.worker_pids) >= self.workers:
                return self
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc):
        stop(self.process)
        self.log.close()

    def output(self):
        """What the server has logged so far."""
        self.log.seek(0)
        return self.log.read()

    def get(self, path, headers=None, timeout=10):
        """(status, headers, body, seconds) for one request on a fresh connection."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        started = time.monotonic()
        conn.request("GET", quote(path, safe="/?=&:%-_.~"), headers=headers or {})
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        elapsed = time.monotonic() - started
        conn.close()
        return response.status, dict(response.getheaders()), body, elapsed

    @property
    def worker_pids(self):
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; ``cut()`` drops every connection and refuses new
    ones, ``restore()`` listens again. Stands in for a database server going away."""

    def __init__(self, target_host, target_port, port=None):
        self.target = (target_host, target_port)
        self.port = port or free_port()
        self._lock = threading.Lock()
        self._pairs = []
        self._listener = None
        self._running = True
        self._selector_thread = None
        self._accept_thread = None

    def __enter__(self):
        self.restore()
        return self

    def __exit__(self, *exc):
        self._running = False
        self.cut()

    def restore(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        self._accept_thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._accept_thread.start()

    def cut(self):
        with self._lock:
            if self._listener is not None:
                # shutdown() wakes the thread blocked in accept(); close() alone would not, and
                # the kernel would go on accepting.
                try:
                    self._listener.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                self._listener.close()
                self._listener = None
            for a, b in self._pairs:
                for s in (a, b):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    s.close()
            self._pairs.clear()

    def _accept(self, listener):
        while self._running:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pipe(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class ProxyProcess:
    """A TcpProxy in a process of its own, which ``freeze()`` stops (SIGSTOP) and ``thaw()``
    resumes (SIGCONT). Frozen, it is a database behind a network partition as its clients see it:
    the kernel still accepts connections and acknowledges what is sent, and nothing ever answers."""

    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.port = None
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scripts.servers", "proxy", self.target[0], str(self.target[1])],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )
        line = self.process.stdout.readline()  # "listening on <port>", once it listens
        if not line.startswith("listening on "):
            stop(self.process)
            raise RuntimeError(f"the proxy did not start: {line!r}")
        self.port = int(line.split()[-1])
        return self

    def __exit__(self, *exc):
        self.thaw()  # a stopped process would not act on SIGTERM
        stop(self.process)

    def freeze(self):
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self):
        self.process.send_signal(signal.SIGCONT)


def run_proxy(target_host, target_port, port=None):
    """Forward until SIGTERM or SIGINT (blocked here, and so in the proxy's threads, and awaited)."""
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    with TcpProxy(target_host, int(target_port), port=int(port) if port else None) as proxy:
        print(f"listening on {proxy.port}", flush=True)
        signal.sigwait(stop_signals)


class ScratchDatabase:
    """A catalogue database of its own, migrated and loaded, for tests that run real processes
    (servers, the task worker) beside the suite: a file for SQLite, a database of the same server
    for PostgreSQL (``like``: the suite's connection settings). Removed afterwards."""

    def __init__(self, like, name, workdir):
        self.like = like
        self.vendor = "postgresql" if "postgresql" in like["ENGINE"] else "sqlite"
        if self.vendor == "sqlite":
            self.path = Path(workdir) / f"{name}.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            self.host, self.port = like["HOST"] or "127.0.0.1", like["PORT"] or 5432
            self.name = f"{like['NAME']}_{name}"
            self.url = f"postgres://{like['USER']}@{self.host}:{self.port}/{self.name}"

    @property
    def env(self):
        return {**os.environ, "DJANGO_SETTINGS_MODULE": "catalogue.settings.dev", "DEBUG": "0",
                "DATABASE_URL": self.url}

    def connect(self):
        """A DB-API connection of the test's own (autocommit), to look at what the processes wrote."""
        if self.vendor == "sqlite":
            return sqlite3.connect(self.path, isolation_level=None)
        return psycopg.connect(self.url.replace("postgres://", "postgresql://"), autocommit=True)

    def _admin(self, statement):
        with psycopg.connect(f"host={self.host} port={self.port} user={self.like['USER']} dbname=postgres",
                             autocommit=True) as admin:
            admin.execute(statement)

    def __enter__(self):
        if self.vendor == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{self.name}"')
        for command in (["migrate", "--noinput"], ["load_catalogue"]):
            result = manage(*command, "-v0", env=self.env, check=False)
            if result.returncode:
                raise RuntimeError(result.stdout + result.stderr)
        return self

    def __exit__(self, *exc):
        if self.vendor == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def add_synthetic(self, measures):
        """``measures`` synthetic measures beside the loaded documents (bench's synth_catalogue)."""
        result = manage("synth_catalogue", "--measures", str(measures), "-v0", env=self.env, check=False)
        if result.returncode:
            raise RuntimeError(result.stdout + result.stderr)
        return self


class Worker:
    """The task worker (`manage.py db_worker`) in a subprocess."""

    def __init__(self, env):
        self.env = env
        self.process = None

    def __enter__(self):
        self.log = tempfile.TemporaryFile("w+")  # not a pipe: see Gunicorn
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, text=True,
        )
        return self

    def __exit__(self, *exc):
        stop(self.process)
        self.log.close()


if __name__ == "__main__":
    if len(sys.argv) in (4, 5) and sys.argv[1] == "proxy":
        run_proxy(*sys.argv[2:])
    else:
        sys.exit("usage: python -m scripts.servers proxy TARGET_HOST TARGET_PORT [LISTEN_PORT]")
