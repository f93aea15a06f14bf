"""The neutral replies a turn produces. Adapters render these; nothing else reaches a person.

`model_dump(mode="json")` of each reply is exactly the JSON Lines object of `chat --json`
(docs/architecture.md's contract); extra fields beyond the contract are additions, never renames.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from dialogs.recommendation import Recommendation
from dialogs.slots import Slots


class Choice(BaseModel):
    model_config = ConfigDict(frozen=True)
    value: str
    label: str


class Question(BaseModel):
    kind: Literal["question"] = "question"
    question_id: str
    text: str
    choices: list[Choice] = Field(default_factory=list)
    # Shown under the question: what a typed answer may look like, or why we re-ask.
    hint: str | None = None
    # Shown above the question: the welcome, on the first question of a conversation. Part of
    # the question (not a separate notice) so a conversation's first reply is its question.
    intro: str | None = None
    # The version of the state this question was asked from; buttons carry it back.
    state_version: int = 0
    # 1-based position among the questions still to ask, for "question 3 of 8".
    step: int | None = None
    total_steps: int | None = None
    # "Question 3 of about 6", worded by the knowledge; surfaces show it as it is.
    progress: str | None = None
    # Buttons beside the answers: "back" (undo the last answer) and "now" (the card from what
    # is known). A press comes back as a command event with that name.
    actions: list[Choice] = Field(default_factory=list)


class RecommendationReply(BaseModel):
    kind: Literal["recommendation"] = "recommendation"
    recommendation: Recommendation
    state_version: int = 0
    # The answers the card was made from, for the surfaces that draw its pictures or export
    # it. Not part of the JSON contract: never dumped.
    answers: Slots | None = Field(default=None, exclude=True)


class Table(BaseModel):
    """A table an answer carries (the comparison table, the roadmap, a cost comparison).

    Surfaces that can draw tables do; others render rows as a compact list."""

    columns: list[str]
    rows: list[list[str]]


class Answer(BaseModel):
    kind: Literal["answer"] = "answer"
    topic: str
    text: str
    table: Table | None = None
    # Suggested next follow-ups, as buttons (topic ids with labels).
    choices: list[Choice] = Field(default_factory=list)
    # Set when the answer says something the guide does not (the project's own knowledge,
    # `source: ours`): the text then ends with knowledge's "ours_marker" line naming these
    # sources, so every surface shows it. None (left out of the JSON) for guide-only answers.
    ours: bool | None = None
    sources: list[str] | None = None
    # Whether a surface heads the answer with its topic's title. A what-if is about the
    # person's own answers, not its topic ("How I decide" above it misleads). Never in the
    # JSON: how a surface draws an answer is no part of `chat --json`.
    titled: bool = Field(default=True, exclude=True)


class Notice(BaseModel):
    kind: Literal["notice"] = "notice"
    text: str
    # Set when the notice records an accepted answer ("Budget: medium"), so a surface can
    # collapse the answered question into that one line.
    slot: str | None = None
    value: str | None = None


class ErrorReply(BaseModel):
    kind: Literal["error"] = "error"
    text: str


Reply = Annotated[Question | RecommendationReply | Answer | Notice | ErrorReply,
                  Field(discriminator="kind")]


def reply_json(reply: Reply) -> dict[str, object]:
    """The JSON Lines object for one reply. The reply's own unset additions (hint, table...)
    are left out; the recommendation keeps every field, nulls included (method: null)."""
    data = reply.model_dump(mode="json")
    return {k: v for k, v in data.items() if v is not None}
