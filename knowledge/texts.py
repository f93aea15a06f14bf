"""The one rule for the text in the knowledge files, and its placeholders.

Every sentence the bot shows is written in a knowledge file. Some are templates the code fills
with named `str.format` placeholders ("{count} examples"); which kind a text is follows from the
file it is in:

- messages.yaml: what the bot says about the conversation itself (welcome, re-asks, notices,
  errors), by key: `Knowledge.message`.
- advice.yaml `texts`: what the rules write about a recommendation (its reasons, why not, what
  would change it), by key: `Knowledge.say`.
- pictures.yaml `labels`: the words of the pictures and the decision record: `PicturesInfo.label`.
- surfaces.yaml `labels`: the card's headings and labels, the buttons' words and the
  surfaces' own sentences: `SurfaceTexts.label`.
- understanding.yaml `texts`: what the reader says about a reply it read (dialogs.understanding).
- gpu_memory.yaml `formula`: the memory estimate worked through.

Every other text (topic answers, expert claims, the model catalogue, compute, hardware, ...) is
shown as written and takes no placeholders. A template may use only the placeholders its caller
fills, listed below by key; a key not listed takes none. The loader checks every string of every
file against this, so an unknown or misspelt placeholder fails at load, naming the file and the
key, instead of mid-conversation.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any


def _fields(**by_key: str) -> dict[str, frozenset[str]]:
    return {key: frozenset(names.split()) for key, names in by_key.items()}


# The fields the code fills for each message (Knowledge.message).
MESSAGE_PLACEHOLDERS: dict[str, frozenset[str]] = _fields(
    reask="hint", answer_recorded="label value", answer_changed="label old new",
    decision_changed="old new", decision_same="title", history_not_found="number",
    too_long="limit", progress="step total", progress_about="step total",
    not_asked_cannot_change="label", not_asked_assumed="label", ours_marker="sources",
    whatif_already_told="title", whatif_lead="changes", whatif_would_be="alt now",
    whatif_why="reason", whatif_would_stay="title",
)

# The fields the rules fill for each advice text (Knowledge.say).
ADVICE_PLACEHOLDERS: dict[str, frozenset[str]] = _fields(
    title_with_method="approach method", title_today="later prompt",
    summary="lead stage stage_title title", summary_today="later lead stage_title",
    explain_header="title", history_line="answers date number title", show_header="date number",
    skipped="label", not_an_option="value", contradiction_no_data_count="count",
    count_below_minimum="count minimum", count_close="count", count_in_range="count",
    count_large="count", count_millions="count", you_have_count="count",
    why_not_scratch_data="have", why_not_fine_tuning_close="count",
    lost_vote="approach votes winner winner_votes", tie_simpler="tied",
    method_standard="hardware", method_unknown_hardware="hardware",
    method_standard_stepped="fits hardware memory method needed size wanted",
    method_none_fits="hardware memory needed size",
    assumed_size="how size", assumed_hardware="hardware how",
    assumed_memory="gpus memory method needed size",
    note_minimum_collect="count", note_start_simple_today="count", note_small_data="count",
    note_data_quality="quality", quality_note="advice quality",
    volume_vote_prompt="volume", volume_vote_fine_tuning="volume", volume_no_vote="volume",
    cost_monthly_label="volume", cost_monthly_label_assumed="volume",
    cost_hosting_self="hosting hours per_hour", cost_payback="hosting when",
    cost_payback_from="hosting when", cost_payback_never="hosting",
    # What would change it (dialogs/changes.py): every change names its outcome.
    change_to="outcome question label", change_no_data="outcome",
    change_count_below="outcome count", change_count_at_least="outcome count",
    change_count_range="outcome low high", change_volume="outcome volume",
    change_size_at_least="outcome size low high", change_size_at_most="outcome size low high",
    change_size_range="outcome size low high",
)

# The fields the pictures and the decision record fill for each label (PicturesInfo.label).
PICTURE_PLACEHOLDERS: dict[str, frozenset[str]] = _fields(
    series_training_from_scratch="months", your_volume="tokens", reference_volume="tokens",
    payback="months tokens", cost_alt="tokens lines payback", cost_alt_line="name cost",
    cost_alt_payback="flavour months volume", cost_alt_no_payback="months",
    roadmap_alt="count stages start start_title", roadmap_alt_stage="stage title exit",
    roadmap_alt_short="count start start_title", text_chart_title="tokens",
    text_chart_reference="tokens", record_title="title",
    record_decision_line="title stage stage_title", record_stage="stage title",
    record_at_your_volume="tokens", record_assumed_unknown="slots",
    record_assumed_prices="gpu_low gpu_high", export_comment="title",
)

# The fields the reader fills for each of its texts (dialogs/understanding).
UNDERSTANDING_PLACEHOLDERS: dict[str, frozenset[str]] = _fields(
    did_you_mean="options", took_range="label said value", took_approx="label said value",
    took_model="label said value", not_understood="examples label understood",
    understood_prefix="facts", bad_number="examples number",
)

# The fields each surface fills for its words (surfaces.yaml, SurfaceTexts.label).
SURFACE_PLACEHOLDERS: dict[str, frozenset[str]] = _fields(
    stage="stage title", not_answered="slots", shared_by="user",
    share_cannot_post="channel", shared="channel", dm_pointer="dm",
)

# file -> (where its templates sit, the fields each template takes by key).
TEMPLATES: dict[str, tuple[tuple[str, ...], dict[str, frozenset[str]]]] = {
    "messages": ((), MESSAGE_PLACEHOLDERS),
    "advice": (("texts",), ADVICE_PLACEHOLDERS),
    "pictures": (("labels",), PICTURE_PLACEHOLDERS),
    "understanding": (("texts",), UNDERSTANDING_PLACEHOLDERS),
    "surfaces": (("labels",), SURFACE_PLACEHOLDERS),
    "gpu_memory": ((), _fields(formula="workload overhead")),
}

# Keys the code no longer says, by file: an organisation's copy of an older file may still have
# them, with the placeholders they used to take. They load and are never shown.
RETIRED: dict[str, frozenset[str]] = {
    "advice": frozenset({"count_at_minimum", "change_if"}),
}

# In a text shown as written, only what reads as a placeholder is refused ("{count}"); other
# braces are the text's own (a JSON sample: {"role": "user"}).
_LOOKS_LIKE_PLACEHOLDER = re.compile(r"\{[A-Za-z_]\w*(?:[.\[][^{}]*)?(?:![rsa])?(?::[^{}]*)?\}")


def fill(text: str, fields: Mapping[str, object]) -> str:
    """A template with its placeholders filled (a text given no fields is shown as written)."""
    return text.format(**fields) if fields else text


def placeholder_problems(name: str, file: Path, data: Any) -> list[str]:
    """Every string in one knowledge file (`name`: its field, "advice") whose placeholders are
    not the ones its caller fills."""
    where, table = TEMPLATES.get(name, ((), {}))
    templated = name in TEMPLATES
    retired = RETIRED.get(name, frozenset())
    problems: list[str] = []
    for path, text in _strings(data, ()):
        in_templates = templated and path[:-1] == where
        if in_templates and path[-1] in retired:
            continue
        if not in_templates:
            # Shown as written, never filled: only a would-be placeholder is a mistake.
            wrong = sorted(set(_LOOKS_LIKE_PLACEHOLDER.findall(text)))
            if wrong:
                problems.append(f"{file}: {'.'.join(path)}: unknown placeholder(s) "
                                f"{', '.join(wrong)}; allowed: none (this text is shown as "
                                "written)")
            continue
        allowed = table.get(path[-1], frozenset())
        # A template is named by its key, as the code names it.
        named = path[-1]
        try:
            used = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
        except ValueError as exc:
            problems.append(f"{file}: {named}: bad placeholder syntax: {exc}")
            continue
        unknown = sorted(used - allowed)
        if unknown:
            fill_in = ", ".join("{" + a + "}" for a in sorted(allowed)) or "none"
            problems.append(f"{file}: {named}: unknown placeholder(s) "
                            f"{', '.join('{' + u + '}' for u in unknown)}; allowed: {fill_in}")
    return problems


def _strings(data: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, (*path, str(key)))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _strings(value, (*path, str(i)))
