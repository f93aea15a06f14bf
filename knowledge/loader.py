"""Load and validate the knowledge files: the packaged defaults, optionally overlaid by an
organisation's own copy.

One YAML file per top-level field of `Knowledge` (`questions.yaml`, `costs.yaml`, ...). An
organisation's directory may hold any subset of them; each file present there replaces the
default file of the same name as a whole. Every problem is reported as one line naming the
file and the field path, so a wrong edit is found without reading a traceback.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import ValidationError

from knowledge.models import REQUIRED_MESSAGES, Knowledge
from knowledge.texts import placeholder_problems

DEFAULT_DIR = Path(__file__).resolve().parent / "data"
FIELDS: tuple[str, ...] = tuple(Knowledge.model_fields)
YAML_SUFFIXES = (".yaml", ".yml")
# libyaml's loader when installed: same safe subset, several times faster at start-up.
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

class KnowledgeError(Exception):
    """A knowledge file is missing, unreadable or invalid. One line per problem."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def load_knowledge(path: str | Path | None = None) -> Knowledge:
    """The packaged knowledge, with each file in `path` (a directory) replacing its default."""
    files = {name: DEFAULT_DIR / f"{name}.yaml" for name in FIELDS}
    if path is not None:
        files.update(_overlay_files(Path(path)))

    problems: list[str] = []
    raw: dict[str, Any] = {}
    for name, file in files.items():
        try:
            raw[name] = _read_yaml(file)
        except KnowledgeError as exc:
            problems.extend(exc.problems)
    messages = raw.get("messages")
    if isinstance(messages, dict):
        problems.extend(f"{files['messages']}: {key}: required message missing"
                        for key in sorted(REQUIRED_MESSAGES - set(messages)))
    if problems:
        raise KnowledgeError(problems)

    try:
        kb = Knowledge.model_validate(raw)
    except ValidationError as exc:
        raise KnowledgeError(_describe(exc, files)) from None
    problems = _cross_check(kb, files)
    for name, data in raw.items():
        problems += placeholder_problems(name, files[name], data)
    if problems:
        raise KnowledgeError(problems)
    return kb


@functools.cache
def default_knowledge() -> Knowledge:
    """The packaged knowledge, loaded once per process."""
    return load_knowledge()


def _overlay_files(directory: Path) -> dict[str, Path]:
    if not directory.is_dir():
        raise KnowledgeError([f"{directory}: not a directory of knowledge files"])
    found: dict[str, Path] = {}
    problems: list[str] = []
    for file in sorted(directory.iterdir()):
        if file.name.startswith(".") or file.suffix not in YAML_SUFFIXES:
            continue  # READMEs, VCS metadata and the like are not knowledge
        if file.suffix != ".yaml" or file.stem not in FIELDS:
            problems.append(
                f"{file}: unknown knowledge file; expected one of "
                f"{', '.join(n + '.yaml' for n in FIELDS)}"
            )
            continue
        found[file.stem] = file
    if problems:
        raise KnowledgeError(problems)
    return found


def _read_yaml(file: Path) -> Any:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KnowledgeError([f"{file}: missing"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeError([f"{file}: cannot be read: {exc}"]) from None
    try:
        data = yaml.load(text, Loader=_YamlLoader)  # a safe loader (see _YamlLoader)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or str(exc)
        raise KnowledgeError([f"{file}: invalid YAML{where}: {problem}"]) from None
    if data is None:
        raise KnowledgeError([f"{file}: is empty"])
    return data


def _describe(exc: ValidationError, files: dict[str, Path]) -> list[str]:
    lines = []
    for err in exc.errors(include_url=False):
        loc = err["loc"]
        if loc and loc[0] in files:
            field_path = ".".join(str(part) for part in loc[1:]) or "(whole file)"
            lines.append(f"{files[str(loc[0])]}: {field_path}: {err['msg']}")
        else:
            # A model-level check ("advice is missing: ..."): name the file it is about.
            named = re.match(r"(?:Value error, )?(\w+)", err["msg"])
            field = named.group(1) if named else ""
            where = files.get(field, "knowledge")
            lines.append(f"{where}: {err['msg']}")
    return lines


def _cross_check(kb: Knowledge, files: dict[str, Path]) -> list[str]:
    """What the field types cannot say: completeness and consistency across entries."""
    problems: list[str] = []

    def need_all(field: str, present: Iterable[str], expected: Iterable[str]) -> None:
        missing = sorted(set(expected) - set(present))
        if missing:
            problems.append(f"{files[field]}: missing entries: {', '.join(missing)}")

    approaches = Knowledge.model_fields["approaches"].annotation
    approach_ids = _literal_keys(approaches)
    for field in ("approaches", "costs", "data_requirements"):
        need_all(field, getattr(kb, field), approach_ids)
    for field in ("methods", "hybrids", "quality", "use_cases"):
        need_all(field, getattr(kb, field), _literal_keys(Knowledge.model_fields[field].annotation))

    t = kb.thresholds
    if not (t.fine_tuning_minimum <= t.prompt_engineering_below <= t.fine_tuning_range_max
            < t.scratch_minimum):
        problems.append(f"{files['thresholds']}: must hold: fine_tuning_minimum <= "
                        "prompt_engineering_below <= fine_tuning_range_max < scratch_minimum")
    if not (t.fine_tuning_minimum <= t.fine_tuning_better <= t.fine_tuning_best):
        problems.append(f"{files['thresholds']}: must hold: fine_tuning_minimum <= "
                        "fine_tuning_better <= fine_tuning_best")

    numbers = [s.stage for s in kb.stages]
    if numbers != [1, 2, 3, 4]:
        problems.append(f"{files['stages']}: stages must be numbered 1, 2, 3, 4 in order, "
                        f"got {numbers}")
    elif kb.stages[-1].next is not None:
        problems.append(f"{files['stages']}: 3.next: the last stage has no next stage (use null)")
    for i, stage in enumerate(kb.stages[:-1]):
        if not stage.next:
            problems.append(f"{files['stages']}: {i}.next: say what moves you to the next stage")
    scratch = [s.stage for s in kb.scratch_stages]
    if not scratch or scratch != list(range(1, len(scratch) + 1)):
        problems.append(f"{files['scratch_stages']}: stages must be numbered 1, 2, ... in order, "
                        f"got {scratch}")

    for key, q in kb.questions.items():
        if q.slot != key:
            problems.append(f"{files['questions']}: {key}.slot: is {q.slot!r}, must be {key!r}")
        values = [c.value for c in q.choices]
        for value in {v for v in values if values.count(v) > 1}:
            problems.append(f"{files['questions']}: {key}.choices: value {value!r} repeated")
        for i, c in enumerate(q.choices):
            for kind in ("synonyms", "words"):
                bad = [p for p in getattr(c, kind) if p != p.lower() or not p.strip()]
                if bad:
                    problems.append(f"{files['questions']}: {key}.choices.{i}.{kind}: "
                                    f"must be non-empty lower case, got {bad}")

    unknown = sorted(set(kb.compute.cite) - set(kb.expert.sources))
    if unknown:
        problems.append(f"{files['compute']}: cite: unknown sources (expert.yaml has none "
                        f"named): {', '.join(unknown)}")

    return problems


def _literal_keys(annotation: Any) -> tuple[str, ...]:
    """The allowed keys of a dict[Literal[...], X] field."""
    key_type = get_args(annotation)[0]
    return tuple(get_args(key_type))
