"""`python -m bot serve` processes for a load run: configured by environment only, started,
timed for CPU, stopped with SIGTERM."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bot.settings import Settings
from testsupport.ports import free_port
from testsupport.slack_standin import BOT_TOKEN

ROOT = Path(__file__).resolve().parents[2]
SIGNING_SECRET = "load-run-signing-secret"


@dataclass
class ServeProcess:
    proc: subprocess.Popen[bytes]
    base: str
    log_path: Path

    def cpu_seconds(self) -> float:
        """User + system CPU the process has used so far (Linux /proc)."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def serve_env(redis_url: str, slack_api_url: str, **extra: str) -> dict[str, str]:
    names = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in names}
    env.update({
        "REDIS_URL": redis_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api_url,
        "RATE_LIMIT_PER_MINUTE": "0",  # one person's 8 quick turns are not what is measured
        "WEB_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    })
    env.update({k.upper(): v for k, v in extra.items()})
    return env


async def start_serve(env: dict[str, str], workdir: Path, name: str) -> ServeProcess:
    port = free_port()
    log_path = workdir / f"{name}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            if proc.poll() is not None:
                raise RuntimeError(f"serve exited: {log_path.read_text()[-2000:]}")
            try:
                async with http.get(base + "/healthz") as response:
                    if response.status == 200:
                        return ServeProcess(proc, base, log_path)
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    proc.kill()
    raise RuntimeError("serve did not start")


def stop_serve(server: ServeProcess) -> int | None:
    """SIGTERM, and the exit code (None if it had to be killed)."""
    if server.proc.poll() is None:
        server.proc.terminate()
        try:
            server.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()
            return None
    return server.proc.returncode
