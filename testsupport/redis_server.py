"""A real redis-server on a free loopback port, owned by the test run (never the machine's)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis

from testsupport.ports import free_port


class RedisServer:
    """Start, stop and restart one redis-server process; `extra` adds config, e.g.
    ["--requirepass", "s3cret"] or ["--maxmemory", "2mb", "--maxmemory-policy", "noeviction"]."""

    def __init__(self, workdir: Path, *, port: int | None = None,
                 extra: list[str] | None = None, password: str | None = None) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.password = password
        self.extra = list(extra or [])
        if password:
            self.extra += ["--requirepass", password]
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self.running and self._proc is not None else None

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, password=self.password,
                           socket_timeout=2, socket_connect_timeout=2)

    def start(self, timeout: float = 10.0) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server not found on PATH (Debian: apt-get install "
                               "redis-server)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = self.workdir / "redis.log"
        self._proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir), "--logfile", str(log),
             *self.extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr \
                    else ""
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise RuntimeError(f"redis-server exited ({self._proc.returncode}): {err}{tail}")
            try:
                with self.client() as client:
                    if client.ping():
                        return
            except redis.RedisError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server on port {self.port} did not answer PING")

    def stop(self) -> None:
        """Kill the server (as an outage would: no goodbye) and wait for it to go."""
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
                self._proc.wait(timeout=10)
            if self._proc.stderr:
                self._proc.stderr.close()
            self._proc = None

    def flushall(self) -> None:
        with self.client() as client:
            client.flushall()


def free_cluster_port() -> int:
    """A free port whose cluster bus port (port + 10000) is free too."""
    for _ in range(200):
        port = free_port()
        if port + 10000 > 65535:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port pair for a cluster node")


def create_cluster(nodes: list[RedisServer], timeout: float = 15.0) -> None:
    """Join started nodes (each run with `--cluster-enabled yes`) into a cluster of masters
    and wait until every node reports cluster_state:ok."""
    binary = shutil.which("redis-cli")
    if binary is None:
        raise RuntimeError("redis-cli not found on PATH")
    done = subprocess.run(
        [binary, "--cluster", "create", *(f"127.0.0.1:{n.port}" for n in nodes),
         "--cluster-replicas", "0", "--cluster-yes"],
        capture_output=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"redis-cli --cluster create failed: {done.stdout[-2000:]!r}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = []
        for node in nodes:
            with node.client() as client:
                states.append(client.cluster("INFO")["cluster_state"])
        if all(state == "ok" for state in states):
            return
        time.sleep(0.1)
    raise RuntimeError("the cluster did not reach cluster_state:ok")
