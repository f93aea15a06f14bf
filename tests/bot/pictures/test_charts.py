"""The pictures as files: valid SVG and PNG of the expected size, the person's volume marked,
cached, and matplotlib loaded only when a picture is drawn."""

from __future__ import annotations

import base64
import io
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from PIL import Image, ImageChops

from bot.pictures.charts import DPI, SIZES, PictureMaker
from dialogs.compiled import compile_knowledge
from dialogs.engine import decide
from dialogs.slots import Slots
from knowledge import default_knowledge

pytestmark = pytest.mark.slow  # matplotlib draws

KB = default_knowledge()
CK = compile_knowledge(KB)
ANSWERS = Slots(has_data="yes", examples=5000, priority="consistency", budget="medium",
                hardware="datacenter_gpu", monthly_tokens=20_000_000)
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def maker() -> PictureMaker:
    return PictureMaker(KB)


def svg_texts(data: bytes) -> str:
    root = ET.fromstring(data)
    return " ".join(t.text or "" for t in root.iter(f"{SVG}text"))


@pytest.mark.parametrize(("kind", "size"), list(SIZES))
def test_png_decodes_at_the_expected_size(maker: PictureMaker, kind: str, size: str) -> None:
    picture = maker.picture(kind, "png", ANSWERS, size)  # type: ignore[arg-type]
    assert picture.data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(picture.data))
    image.verify()
    assert image.size == SIZES[(kind, size)] == (picture.width, picture.height)  # type: ignore[index]


@pytest.mark.parametrize("kind", ["cost", "roadmap"])
def test_svg_is_well_formed_at_the_expected_size(maker: PictureMaker, kind: str) -> None:
    picture = maker.picture(kind, "svg", ANSWERS)  # type: ignore[arg-type]
    root = ET.fromstring(picture.data)
    assert root.tag == f"{SVG}svg"
    width, height = SIZES[(kind, "full")]  # type: ignore[index]
    assert root.get("viewBox") == f"0 0 {width * 72 / DPI:g} {height * 72 / DPI:g}"
    assert picture.content_type == "image/svg+xml"
    assert b"<script" not in picture.data


def test_the_cost_chart_marks_the_persons_volume_and_the_payback(maker: PictureMaker) -> None:
    texts = svg_texts(maker.picture("cost", "svg", ANSWERS).data)
    assert "You: 20M/month" in texts
    assert "pays back" in texts
    for label in ("Prompt engineering", "Tokens a month", "Cost a month (USD)"):
        assert label in texts
    other = svg_texts(maker.picture("cost", "svg", ANSWERS.model_copy(
        update={"monthly_tokens": 300_000})).data)
    assert "You: 300K/month" in other and "20M" not in other


def test_the_roadmap_marks_where_you_start_and_each_exit(maker: PictureMaker) -> None:
    picture = maker.picture("roadmap", "svg", ANSWERS)
    texts = svg_texts(picture.data)
    assert "You start here" in texts
    for stage in decide(ANSWERS, CK).roadmap:
        assert stage.title.split()[0] in texts
    assert "Keep improving" in texts  # the last stage's exit
    assert "stage 3" in picture.alt


def test_pictures_are_cached_and_bounded() -> None:
    maker = PictureMaker(KB, cache_size=2)
    first = maker.picture("roadmap", "png", ANSWERS)
    again = maker.picture("roadmap", "png", ANSWERS.model_copy(update={"budget": "low"}))
    # Same start stage, same roadmap: one picture for both answer sets.
    assert again is first and maker.cached() == 1
    for tokens in (1_000, 2_000, 3_000):
        maker.picture("cost", "svg", ANSWERS.model_copy(update={"monthly_tokens": tokens}))
    assert maker.cached() == 2
    assert maker.picture("roadmap", "png", ANSWERS) is not first  # the oldest went


def test_a_teams_card_can_carry_both_small_pngs(maker: PictureMaker) -> None:
    total = sum(len(base64.b64encode(maker.picture(k, "png", ANSWERS, "small").data))
                for k in ("cost", "roadmap"))
    assert total < 24 * 1024


def test_an_unknown_picture_is_refused(maker: PictureMaker) -> None:
    with pytest.raises(ValueError):
        maker.picture("pie", "svg", ANSWERS)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        maker.picture("cost", "gif", ANSWERS)  # type: ignore[arg-type]


@pytest.mark.slow
def test_the_server_starts_without_matplotlib() -> None:
    code = ("import sys, bot.server, bot.cli, bot.pictures.charts, bot.adapters.web.adapter\n"
            "from bot.server import build_app\nfrom bot.settings import Settings\n"
            "build_app(Settings(_env_file=None))\n"
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported at start'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr


def differing_pixels(a: Image.Image, b: Image.Image) -> int:
    histogram = ImageChops.difference(a, b).convert("L").histogram()
    return a.size[0] * a.size[1] - histogram[0]


def test_a_volume_drawn_on_a_kept_chart_looks_like_a_chart_drawn_whole() -> None:
    warm = PictureMaker(KB)
    warm.picture("cost", "png", ANSWERS)  # keeps the chart without its mark
    other = ANSWERS.model_copy(update={"monthly_tokens": 300_000})
    reused = Image.open(io.BytesIO(warm.picture("cost", "png", other).data)).convert("RGB")
    fresh = Image.open(io.BytesIO(PictureMaker(KB).picture("cost", "png", other).data)
                       ).convert("RGB")
    assert reused.size == fresh.size
    assert differing_pixels(reused, fresh) < 0.01 * reused.size[0] * reused.size[1]
    # ... and the mark moved: it is not the first volume's picture.
    first = Image.open(io.BytesIO(warm.picture("cost", "png", ANSWERS).data)).convert("RGB")
    assert differing_pixels(reused, first) > 500
