"""`which-approach teams-package` writes the uploadable zip with the app id filled in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # CLI subprocesses

APP_ID = "11111111-2222-3333-4444-555555555555"


def run(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MICROSOFT_", "REDIS_"))}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "bot", "teams-package", *args],
                          capture_output=True, text=True, env=env, timeout=60)


def test_writes_a_zip_with_the_app_id(tmp_path):
    result = run("--out", str(tmp_path), env_extra={"MICROSOFT_APP_ID": APP_ID})
    assert result.returncode == 0, result.stderr
    path = tmp_path / "which-approach-teams.zip"
    assert result.stdout.strip() == str(path)
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(z.read("manifest.json"))
    assert manifest["id"] == APP_ID
    assert manifest["bots"][0]["botId"] == APP_ID


def test_without_an_app_id_it_says_what_to_set(tmp_path):
    result = run("--out", str(tmp_path))
    assert result.returncode == 2
    assert "MICROSOFT_APP_ID" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_the_app_id_may_come_from_a_dot_env_file(tmp_path):
    (tmp_path / ".env").write_text(f"MICROSOFT_APP_ID={APP_ID}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MICROSOFT_", "REDIS_"))}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    result = subprocess.run([sys.executable, "-m", "bot", "teams-package", "--out", "."],
                            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "which-approach-teams.zip") as z:
        assert json.loads(z.read("manifest.json"))["id"] == APP_ID
