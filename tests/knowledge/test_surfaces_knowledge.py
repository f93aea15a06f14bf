"""surfaces.yaml: the words every surface writes around the replies, checked at load: every label
the code looks up is there, and none has a placeholder the code does not fill."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge import KnowledgeError, load_knowledge
from knowledge.loader import DEFAULT_DIR
from knowledge.models import REQUIRED_SURFACE_LABELS
from knowledge.texts import SURFACE_PLACEHOLDERS


def _overlay(tmp_path: Path, **labels: str | None) -> Path:
    surfaces = yaml.safe_load((DEFAULT_DIR / "surfaces.yaml").read_text(encoding="utf-8"))
    for key, text in labels.items():
        if text is None:
            del surfaces["labels"][key]
        else:
            surfaces["labels"][key] = text
    (tmp_path / "surfaces.yaml").write_text(yaml.safe_dump(surfaces), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("labels", "problem"), [
    ({"stage": "Stage {number}: {title}"}, "stage: unknown placeholder(s) {number}"),
    ({"why": "Why {approach}"}, "why: unknown placeholder(s) {approach}"),
    ({"next": "Next: {next"}, "next: bad placeholder syntax"),
    ({"what_would_change": None}, "surfaces is missing labels: what_would_change"),
])
def test_a_wrong_surface_label_fails_at_load(tmp_path: Path, labels: dict[str, str | None],
                                             problem: str) -> None:
    with pytest.raises(KnowledgeError) as error:
        load_knowledge(_overlay(tmp_path, **labels))
    assert problem in str(error.value)
    assert "surfaces" in str(error.value)


def test_an_organisation_may_reword_a_heading(tmp_path: Path) -> None:
    kb = load_knowledge(_overlay(tmp_path, why_not="Alternatives considered"))
    assert kb.surfaces.label("why_not") == "Alternatives considered"


def test_every_placeholder_label_is_a_required_one() -> None:
    assert set(SURFACE_PLACEHOLDERS) <= REQUIRED_SURFACE_LABELS
