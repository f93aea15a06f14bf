"""The Teams app manifest, its icons, and the uploadable package."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path

import jsonschema
import pytest

from bot.adapters.teams.package import SOURCE, build_manifest, write_package
from testsupport.teams_standin import SCHEMAS

APP_ID = "8d8b9a3e-1c2b-4d5e-8f90-0a1b2c3d4e5f"


def manifest_validator() -> jsonschema.Draft4Validator:
    schema = json.loads((SCHEMAS / "teams-manifest-1.29.schema.json").read_text("utf-8"))
    return jsonschema.Draft4Validator(schema)


def read_png(data: bytes) -> tuple[int, int, list[list[tuple[int, ...]]]]:
    """Width, height and RGBA rows of an 8-bit RGBA, non-interlaced PNG (what we write)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, color_type, interlace) == (8, 6, 0)
    raw = zlib.decompress(idat)
    stride = width * 4 + 1
    rows = []
    for y in range(height):
        line = raw[y * stride:(y + 1) * stride]
        assert line[0] == 0  # filter "none", as written
        rows.append([tuple(line[1 + x * 4:5 + x * 4]) for x in range(width)])
    return width, height, rows


def test_the_manifest_in_deploy_is_valid_for_schema_1_29() -> None:
    manifest = json.loads((SOURCE / "manifest.json").read_text("utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}"
              for e in manifest_validator().iter_errors(manifest)]
    assert errors == []
    assert manifest["manifestVersion"] == "1.29"
    (bot,) = manifest["bots"]
    commands = [c["title"] for c in bot["commandLists"][0]["commands"]]
    assert commands == ["help", "start over", "what about QLoRA?"]
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}


def test_the_icons_have_teams_sizes_and_the_outline_is_white_on_transparent() -> None:
    width, height, _ = read_png((SOURCE / "color.png").read_bytes())
    assert (width, height) == (192, 192)

    width, height, rows = read_png((SOURCE / "outline.png").read_bytes())
    assert (width, height) == (32, 32)
    pixels = [p for row in rows for p in row]
    assert all(p[:3] == (255, 255, 255) for p in pixels if p[3])  # only white is drawn
    assert any(p[3] == 0 for p in pixels) and any(p[3] == 255 for p in pixels)
    assert rows[0][0][3] == 0  # the corners are transparent


def test_the_color_icon_is_opaque() -> None:
    _, _, rows = read_png((SOURCE / "color.png").read_bytes())
    assert all(p[3] == 255 for row in rows for p in row)


def test_write_package_fills_in_the_app_id(tmp_path: Path) -> None:
    path = write_package(APP_ID, tmp_path)

    assert path == tmp_path / "which-approach-teams.zip"
    with zipfile.ZipFile(path) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        assert package.read("outline.png") == (SOURCE / "outline.png").read_bytes()
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert list(manifest_validator().iter_errors(manifest)) == []

    # Same inputs, same bytes; a file path is used as given.
    again = write_package(APP_ID, tmp_path / "out" / "teams.zip")
    assert again.read_bytes() == path.read_bytes()


@pytest.mark.parametrize("bad", ["", "not-a-guid", "8d8b9a3e-1c2b-4d5e-8f90-0a1b2c3d4e5", "x" * 36])
def test_an_app_id_that_is_not_a_guid_is_refused(bad: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="GUID"):
        write_package(bad, tmp_path)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError):
        build_manifest(bad)


def test_the_committed_outline_icon_is_what_the_script_draws() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_icons", SOURCE / "make_icons.py")
    assert spec is not None and spec.loader is not None
    make_icons = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_icons)
    assert make_icons.outline_icon() == (SOURCE / "outline.png").read_bytes()
