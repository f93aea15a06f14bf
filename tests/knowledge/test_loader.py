"""The loader: packaged defaults, an organisation's overlay, and errors that name file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from knowledge import Knowledge, KnowledgeError, default_knowledge, load_knowledge
from knowledge.loader import DEFAULT_DIR, FIELDS


def _write(directory: Path, name: str, data: object) -> Path:
    file = directory / name
    file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return file


def _default(name: str) -> dict:
    return yaml.safe_load((DEFAULT_DIR / f"{name}.yaml").read_text(encoding="utf-8"))


def _error(path: Path) -> str:
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(path)
    return str(info.value)


def test_default_loads_every_field_from_its_own_file() -> None:
    kb = load_knowledge()
    assert isinstance(kb, Knowledge)
    for name in FIELDS:
        assert (DEFAULT_DIR / f"{name}.yaml").is_file(), name


def test_default_knowledge_is_loaded_once() -> None:
    assert default_knowledge() is default_knowledge()


def test_empty_org_dir_gives_the_defaults(tmp_path: Path) -> None:
    assert load_knowledge(tmp_path) == load_knowledge()


def test_org_overlay_replaces_threshold_and_price(tmp_path: Path) -> None:
    thresholds = _default("thresholds") | {"prompt_engineering_below": 200}
    _write(tmp_path, "thresholds.yaml", thresholds)
    costs = _default("costs")
    costs["fine_tuning"]["inference_per_1k_usd"] = {"low": 0.002, "high": 0.004}
    costs["fine_tuning"]["inference_per_1k_tokens"] = "$0.002-0.004 per 1K tokens"
    _write(tmp_path, "costs.yaml", costs)

    kb = load_knowledge(str(tmp_path))  # a str path works too

    assert kb.thresholds.prompt_engineering_below == 200
    assert kb.costs["fine_tuning"].inference_per_1k_usd is not None
    assert kb.costs["fine_tuning"].inference_per_1k_usd.high == 0.004
    assert kb.costs["fine_tuning"].inference_per_1k_tokens == "$0.002-0.004 per 1K tokens"
    # Files the organisation did not supply keep the defaults.
    assert kb.questions == load_knowledge().questions
    assert load_knowledge().thresholds.prompt_engineering_below == 100


def test_org_overlay_replaces_wording(tmp_path: Path) -> None:
    messages = _default("messages") | {"welcome": "Welcome to Acme's model advisor."}
    _write(tmp_path, "messages.yaml", messages)
    assert load_knowledge(tmp_path).message("welcome") == "Welcome to Acme's model advisor."


def test_files_that_are_not_yaml_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("our copy of the advisor's knowledge\n")
    (tmp_path / ".git").mkdir()
    assert load_knowledge(tmp_path) == load_knowledge()


def test_bad_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "thresholds.yaml").write_text("fine_tuning_minimum: 50\n  oops: [unclosed\n")
    message = _error(tmp_path)
    assert "thresholds.yaml" in message
    assert "invalid YAML at line" in message


def test_wrong_type_names_file_and_field(tmp_path: Path) -> None:
    _write(tmp_path, "thresholds.yaml", _default("thresholds") | {"fine_tuning_minimum": "lots"})
    message = _error(tmp_path)
    assert "thresholds.yaml: fine_tuning_minimum: Input should be a valid integer" in message


def test_wrong_points_to_names_file_and_field_path(tmp_path: Path) -> None:
    questions = _default("questions")
    questions["budget"]["choices"][0]["points_to"] = "prompting"
    _write(tmp_path, "questions.yaml", questions)
    message = _error(tmp_path)
    assert "questions.yaml: budget.choices.0.points_to: Input should be 'prompt_engineering'" in (
        message)


def test_every_problem_is_one_line(tmp_path: Path) -> None:
    questions = _default("questions")
    questions["budget"]["choices"][0]["points_to"] = "prompting"
    questions["timeline"]["choices"][1]["label"] = ["not", "a", "string"]
    _write(tmp_path, "questions.yaml", questions)
    _write(tmp_path, "thresholds.yaml", _default("thresholds") | {"scratch_minimum": "many"})
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(tmp_path)
    problems = info.value.problems
    assert len(problems) == 3
    assert all("\n" not in p for p in problems)
    assert any("budget.choices.0.points_to" in p for p in problems)
    assert any("timeline.choices.1.label" in p for p in problems)
    assert any("thresholds.yaml: scratch_minimum" in p for p in problems)


def test_unknown_file_is_an_error_naming_it(tmp_path: Path) -> None:
    _write(tmp_path, "budgets.yaml", {"low": 1})
    message = _error(tmp_path)
    assert "budgets.yaml: unknown knowledge file" in message
    assert "thresholds.yaml" in message  # says what would have been accepted


def test_yml_spelling_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path, "thresholds.yml", _default("thresholds"))
    assert "thresholds.yml: unknown knowledge file" in _error(tmp_path)


def test_missing_required_message_names_file_and_key(tmp_path: Path) -> None:
    messages = _default("messages")
    del messages["store_down"]
    _write(tmp_path, "messages.yaml", messages)
    message = _error(tmp_path)
    assert "messages.yaml: store_down: required message missing" in message


def test_unknown_message_placeholder_fails_at_load(tmp_path: Path) -> None:
    _write(tmp_path, "messages.yaml", _default("messages") | {"reask": "Try again: {hints}"})
    message = _error(tmp_path)
    assert "messages.yaml: reask: unknown placeholder(s) {hints}; allowed: {hint}" in message


def test_broken_placeholder_syntax_fails_at_load(tmp_path: Path) -> None:
    _write(tmp_path, "messages.yaml", _default("messages") | {"too_long": "Max {limit chars"})
    assert "messages.yaml: too_long: bad placeholder syntax" in _error(tmp_path)


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "hybrids.yaml").write_text("# nothing yet\n")
    assert "hybrids.yaml: is empty" in _error(tmp_path)


def test_missing_approach_in_costs_is_an_error(tmp_path: Path) -> None:
    costs = _default("costs")
    del costs["training_from_scratch"]
    _write(tmp_path, "costs.yaml", costs)
    assert "costs.yaml: missing entries: training_from_scratch" in _error(tmp_path)


def test_missing_approach_in_data_requirements_is_an_error(tmp_path: Path) -> None:
    data = _default("data_requirements")
    del data["prompt_engineering"]
    _write(tmp_path, "data_requirements.yaml", data)
    assert "data_requirements.yaml: missing entries: prompt_engineering" in _error(tmp_path)


def test_stages_out_of_order_are_an_error(tmp_path: Path) -> None:
    stages = _default("stages")
    stages[1], stages[2] = stages[2], stages[1]
    _write(tmp_path, "stages.yaml", stages)
    assert "stages.yaml: stages must be numbered 1, 2, 3, 4 in order" in _error(tmp_path)


def test_a_stage_without_its_exit_is_an_error(tmp_path: Path) -> None:
    stages = _default("stages")
    stages[0]["next"] = None
    _write(tmp_path, "stages.yaml", stages)
    assert "stages.yaml: 0.next" in _error(tmp_path)


def test_inconsistent_thresholds_are_an_error(tmp_path: Path) -> None:
    _write(tmp_path, "thresholds.yaml",
           _default("thresholds") | {"prompt_engineering_below": 20_000})
    assert "thresholds.yaml: must hold" in _error(tmp_path)


def test_question_key_and_slot_must_agree(tmp_path: Path) -> None:
    questions = _default("questions")
    questions["budget"]["slot"] = "budgets"
    _write(tmp_path, "questions.yaml", questions)
    assert "questions.yaml: budget.slot" in _error(tmp_path)


def test_repeated_choice_value_is_an_error(tmp_path: Path) -> None:
    questions = _default("questions")
    questions["budget"]["choices"][1]["value"] = "low"
    _write(tmp_path, "questions.yaml", questions)
    assert "questions.yaml: budget.choices: value 'low' repeated" in _error(tmp_path)


def test_upper_case_synonym_is_an_error(tmp_path: Path) -> None:
    questions = _default("questions")
    questions["budget"]["choices"][0]["synonyms"].append("Tight Budget")
    _write(tmp_path, "questions.yaml", questions)
    assert "questions.yaml: budget.choices.0.synonyms: must be non-empty lower case" in (
        _error(tmp_path))


def test_org_path_that_is_not_a_directory_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    assert "not a directory of knowledge files" in _error(missing)
    file = _write(tmp_path, "thresholds.yaml", _default("thresholds"))
    assert "not a directory of knowledge files" in _error(file)


def test_a_full_copy_of_the_defaults_loads(tmp_path: Path) -> None:
    """What an organisation starts from: a copy of knowledge/data, edited in place."""
    copy = tmp_path / "acme"
    shutil.copytree(DEFAULT_DIR, copy)
    assert load_knowledge(copy) == load_knowledge()


def test_scratch_stages_out_of_order_fail_at_load(tmp_path) -> None:
    import yaml

    from knowledge.loader import DEFAULT_DIR, KnowledgeError, load_knowledge

    stages = yaml.safe_load((DEFAULT_DIR / "scratch_stages.yaml").read_text())
    stages[0]["stage"], stages[1]["stage"] = 2, 1
    (tmp_path / "scratch_stages.yaml").write_text(yaml.safe_dump(stages))
    try:
        load_knowledge(tmp_path)
    except KnowledgeError as exc:
        assert "scratch_stages.yaml" in str(exc) and "numbered" in str(exc)
    else:
        raise AssertionError("out-of-order scratch stages loaded")
