"""Every placeholder in every knowledge file is checked at load (knowledge/texts.py): a text
may use only the fields its caller fills, and the tables of those fields are the code's."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge import KnowledgeError, load_knowledge
from knowledge.loader import DEFAULT_DIR, FIELDS
from knowledge.texts import (
    ADVICE_PLACEHOLDERS,
    MESSAGE_PLACEHOLDERS,
    PICTURE_PLACEHOLDERS,
    TEMPLATES,
    UNDERSTANDING_PLACEHOLDERS,
)

ROOT = Path(__file__).resolve().parents[2]


def _default(name: str) -> Any:
    return yaml.safe_load((DEFAULT_DIR / f"{name}.yaml").read_text(encoding="utf-8"))


def _load_with(tmp_path: Path, name: str, data: Any) -> str:
    (tmp_path / f"{name}.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(tmp_path)
    return str(info.value)


def _texts(data: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    if isinstance(data, str):
        return [(path, data)]
    items = data.items() if isinstance(data, dict) else enumerate(data) \
        if isinstance(data, list) else ()
    return [found for key, value in items for found in _texts(value, (*path, str(key)))]


def _prose(name: str, data: Any) -> tuple[str, ...]:
    """The path of the longest text in a file that is not a template (prose, not an id)."""
    where, table = TEMPLATES.get(name, ((), {}))
    texts = [(len(text), path) for path, text in _texts(data)
             if " " in text and not (path[:-1] == where and path[-1] in table)]
    return max(texts)[1]


# Every file with prose in it (thresholds.yaml holds numbers and a source only). Messages are
# all templates, each checked against its own fields (above).
PROSE_FILES = [name for name in FIELDS if name != "messages"
               and any(" " in text for _, text in _texts(_default(name)))]


def _set(data: Any, path: tuple[str, ...], text: str) -> None:
    for part in path[:-1]:
        data = data[int(part)] if isinstance(data, list) else data[part]
    if isinstance(data, list):
        data[int(path[-1])] = text
    else:
        data[path[-1]] = text


def _get(data: Any, path: tuple[str, ...]) -> str:
    for part in path:
        data = data[int(part)] if isinstance(data, list) else data[part]
    assert isinstance(data, str)
    return data


# A template of each kind with a placeholder its caller does not fill (a typo).
TEMPLATE_CASES = [
    ("messages", ("reask",), "reask"),
    ("advice", ("texts", "count_close"), "count_close"),
    ("pictures", ("labels", "your_volume"), "your_volume"),
    ("understanding", ("texts", "did_you_mean"), "did_you_mean"),
    ("gpu_memory", ("formula",), "formula"),
]


@pytest.mark.parametrize(("name", "path", "named"), TEMPLATE_CASES)
def test_a_misspelt_placeholder_in_a_template_fails_at_load(
        tmp_path: Path, name: str, path: tuple[str, ...], named: str) -> None:
    data = _default(name)
    _set(data, path, _get(data, path) + " {cuont}")
    message = _load_with(tmp_path, name, data)
    assert f"{name}.yaml: {named}: unknown placeholder(s) {{cuont}}; allowed: " in message


def test_a_field_another_text_gets_is_not_one_this_text_gets(tmp_path: Path) -> None:
    """count_close is said with the count only: {minimum} is count_below_minimum's."""
    data = _default("advice")
    data["texts"]["count_close"] = "{count} examples, under {minimum}."
    message = _load_with(tmp_path, "advice", data)
    assert ("advice.yaml: count_close: unknown placeholder(s) {minimum}; allowed: {count}"
            in message)


@pytest.mark.parametrize("name", PROSE_FILES)
def test_a_placeholder_in_any_text_shown_as_written_fails_at_load(
        tmp_path: Path, name: str) -> None:
    """Topic answers, expert claims, the catalogue, compute, hardware, questions...: shown as
    written, so a placeholder in them would reach the person as "{count}"."""
    data = _default(name)
    where, _ = TEMPLATES.get(name, ((), {}))
    path = _prose(name, data)
    _set(data, path, _get(data, path) + " {count}")
    message = _load_with(tmp_path, name, data)
    named = path[-1] if path[:-1] == where else ".".join(path)
    assert f"{name}.yaml: {named}: unknown placeholder(s) {{count}}; allowed: none" in message


def test_bad_placeholder_syntax_in_a_template_fails_at_load(tmp_path: Path) -> None:
    data = _default("advice")
    data["texts"]["count_close"] += " {oops"
    assert "count_close: bad placeholder syntax" in _load_with(tmp_path, "advice", data)


def test_braces_of_its_own_in_a_text_shown_as_written_load(tmp_path: Path) -> None:
    """A JSON sample in a topic answer is text, not a placeholder: it is never filled."""
    data = _default("topics")
    path = _prose("topics", data)
    sample = _get(data, path) + ' Send {"role": "user", "content": "..."} {oops'
    _set(data, path, sample)
    (tmp_path / "topics.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert _get(load_knowledge(tmp_path).model_dump()["topics"], path) == sample


def test_an_older_advice_file_with_retired_texts_still_loads(tmp_path: Path) -> None:
    """An organisation's copy of advice.yaml from before two texts were retired: they keep
    their old placeholders, load, and are never said."""
    data = _default("advice")
    data["texts"]["count_at_minimum"] = "{count} examples is {below} the minimum."
    data["texts"]["change_if"] = "If {question} were {label}: {approach}."
    (tmp_path / "advice.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    load_knowledge(tmp_path)


def _calls(method: str) -> dict[str, set[frozenset[str]]]:
    """Literal-keyed calls `x.<method>("key", field=...)` in the core and the runtime."""
    found: dict[str, set[frozenset[str]]] = {}
    for file in [*ROOT.glob("dialogs/**/*.py"), *ROOT.glob("bot/**/*.py")]:
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == method and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                    and all(kw.arg is not None for kw in node.keywords)):
                found.setdefault(node.args[0].value, set()).add(
                    frozenset(str(kw.arg) for kw in node.keywords))
    return found


@pytest.mark.parametrize(("method", "table"), [
    ("message", MESSAGE_PLACEHOLDERS), ("say", ADVICE_PLACEHOLDERS),
    ("label", PICTURE_PLACEHOLDERS), ("text", UNDERSTANDING_PLACEHOLDERS),
])
def test_the_tables_are_the_fields_the_code_fills(method: str,
                                                   table: dict[str, frozenset[str]]) -> None:
    """Each text said by a literal key is listed with exactly the fields its callers pass (the
    few said by a computed key are listed by hand; a stale entry names a text that exists)."""
    calls = _calls(method)
    assert any(any(fields) for fields in calls.values()), f"no {method}() call found"
    for key, field_sets in calls.items():
        for fields in field_sets:
            assert fields == table.get(key, frozenset()), (method, key)


def test_every_listed_template_is_a_text_of_its_file() -> None:
    for name, (where, table) in TEMPLATES.items():
        data = _default(name)
        for part in where:
            data = data[part]
        assert set(table) <= set(data), name
