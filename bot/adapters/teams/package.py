"""The uploadable Teams app package: deploy/teams/manifest.json and its icons, zipped, with
the bot's Microsoft App ID filled in (`which-approach teams-package`).

Teams wants the three files at the root of the zip. The app id is used both as the Teams app
id and as the bot id, as the Teams Developer Portal does for a single-bot app.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

# deploy/teams/ of a source checkout: beside this file's tree in an editable install, else
# the checkout the command is run from (a regular install has no deploy/ of its own).
_BESIDE_CODE = Path(__file__).resolve().parents[3] / "deploy" / "teams"
SOURCE = _BESIDE_CODE if _BESIDE_CODE.is_dir() else Path("deploy") / "teams"
PACKAGE_NAME = "which-approach-teams.zip"
ICONS = ("color.png", "outline.png")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# A fixed timestamp keeps the zip byte-for-byte the same for the same inputs.
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


def build_manifest(app_id: str, source: Path = SOURCE) -> dict[str, object]:
    """The manifest with `app_id` as the app id and the bot id."""
    if not _GUID.match(app_id):
        raise ValueError(f"the Microsoft App ID must be a GUID, got {app_id!r}")
    if not (source / "manifest.json").is_file():
        raise FileNotFoundError(f"no manifest.json in {source.resolve()}: run this from a "
                                "checkout of which-approach (it reads deploy/teams/)")
    manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    manifest["id"] = app_id
    for bot in manifest.get("bots", []):
        bot["botId"] = app_id
    return manifest


def write_package(app_id: str, out: Path, *, source: Path = SOURCE) -> Path:
    """Write the app package zip and return its path.

    `out` is the zip's path, or an existing directory to write `which-approach-teams.zip` in.
    """
    manifest = build_manifest(app_id, source)
    missing = [name for name in ICONS if not (source / name).is_file()]
    if missing:
        raise FileNotFoundError(f"missing in {source}: {', '.join(missing)}")
    target = out / PACKAGE_NAME if out.is_dir() else out
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as package:
        entries = [("manifest.json", (json.dumps(manifest, indent=2) + "\n").encode())]
        entries += [(name, (source / name).read_bytes()) for name in ICONS]
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            package.writestr(info, data)
    return target
