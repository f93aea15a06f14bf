"""The dialog state machine: one pure step function, state + event -> new state + replies.

A turn reads the event in this order: commands (help, restart, why, history...), then answers
(the pending question first, then any other facts the text names), then follow-up questions
(topics, what-ifs, costs, GPU memory). Anything it cannot use leaves the state as it was and
gets a clear re-ask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import ValidationError

from dialogs import followups
from dialogs.engine import decide
from dialogs.events import Event
from dialogs.recommendation import NotAsked, Recommendation
from dialogs.relevance import can_change
from dialogs.relevance import worth_asking as worth_asking_among
from dialogs.replies import (
    Answer,
    Choice,
    ErrorReply,
    Notice,
    Question,
    RecommendationReply,
    Reply,
)
from dialogs.slots import ALL_SLOTS, Slots, settled_count, slot_values
from dialogs.state import HISTORY_LIMIT, UNDO_LIMIT, ConversationState, HistoryEntry
from dialogs.understanding import (
    Extraction,
    did_you_mean,
    is_question,
    not_understood,
    parse,
)
from dialogs.understanding.text import MAX_PARSE_CHARS, Utterance, clean, normalise

if TYPE_CHECKING:
    from dialogs.compiled import CompiledKnowledge

# Longer messages are read up to this bound (what the parser reads), and the person is told so.
MAX_TEXT_CHARS = MAX_PARSE_CHARS
# A trimmed message ends at the last space this close to the bound, so that a number or a word
# is not read cut in half ("5,000" read as "5,0").
_TRIM_BACK_CHARS = 200

_COMMANDS: dict[str, frozenset[str]] = {
    "help": frozenset({"help", "?", "what can you do", "commands", "menu", "how does this work"}),
    "restart": frozenset({"restart", "start over", "reset", "start again", "begin again",
                          "new", "new recommendation", "clear", "start from scratch"}),
    "history": frozenset({"history", "my history", "past recommendations",
                          "previous recommendations", "earlier recommendations"}),
    "explain": frozenset({"why", "why?", "explain", "explain that", "why that", "why not",
                          "how did you decide", "explain why", "reasons"}),
    "start": frozenset({"start", "hi", "hello", "hey", "begin", "go", "lets go", "let's go",
                        "resume", "continue", "hi there", "hello there"}),
    "card": frozenset({"show the recommendation", "recommendation", "my recommendation",
                       "show card", "card"}),
    "keep": frozenset({"keep that", "keep it", "apply that", "use that", "yes keep that",
                       "keep those", "ok keep that"}),
    "forget": frozenset({"delete my data", "forget me", "erase my data", "delete all my data",
                         "forget my data", "delete everything about me", "delete my history"}),
    "forget_confirm": frozenset({"yes delete my data", "yes, delete my data",
                                 "yes delete it all", "yes, delete it all",
                                 "confirm delete my data"}),
    "back": frozenset({"back", "undo", "go back", "previous question", "back one",
                       "undo that", "oops", "go back one"}),
    "now": frozenset({"now", "just tell me", "just tell me now", "tell me now", "skip the rest",
                      "skip the rest of the questions", "recommend now", "show me now",
                      "enough questions", "give me the recommendation now"}),
}
# The values of the buttons under the "delete my data?" question (sent as topic commands, so
# every surface renders them as it renders any answer's buttons).
FORGET_TOPIC = "forget"
FORGET_CONFIRM = "forget:confirm"
FORGET_CANCEL = "forget:cancel"
# The buttons under the history list, likewise: "history:2" brings back entry 2.
HISTORY_TOPIC_PREFIX = "history:"
_SHOW = re.compile(r"^(?:show|history|open|recommendation)\s*#?\s*(\d{1,3})$")
_SKIP = frozenset({"skip", "not sure", "dont know", "don't know", "no idea", "unsure", "pass",
                   "idk", "skip this", "i don't know", "i dont know", "no clue"})


@dataclass
class StepResult:
    state: ConversationState
    replies: list[Reply] = field(default_factory=list)
    # The person confirmed "delete my data": the runner erases everything kept about this
    # conversation instead of saving the state.
    erase: bool = False


def step(state: ConversationState, event: Event, ck: CompiledKnowledge) -> StepResult:
    """Apply one event. Pure: no I/O, no clock (the event carries its time); `ck` is the
    knowledge compiled once by its owner (dialogs.compiled.compile_knowledge)."""
    turn = _Turn(state, event, ck)
    turn.run()
    return StepResult(turn.state, turn.replies, turn.erase)


def open_slots(state: ConversationState) -> tuple[str, ...]:
    """The questions not answered yet and not passed on ("not sure"), in asking order."""
    slots = state.slots
    return tuple(s for s in ALL_SLOTS if s not in state.asked and getattr(slots, s) is None)


def worth_asking(state: ConversationState, ck: CompiledKnowledge, budget: int | None = None
                 ) -> list[str]:
    """The open questions some answer to which was shown to change the card (rule 9)."""
    return list(worth_asking_among(state.slots.answered(), open_slots(state), ck, budget))


def next_question(state: ConversationState, ck: CompiledKnowledge) -> str | None:
    """The next question worth asking, or None when it is time to recommend."""
    if state.rushed:
        return None
    answers = state.slots.answered()
    still_open = open_slots(state)
    for slot in still_open:
        if can_change(slot, answers, still_open, ck) is True:
            return slot
    return None


def card(slots: Slots, ck: CompiledKnowledge) -> Recommendation:
    """The card for these answers alone (no conversation): the rules, and what it was made
    without (for `which-approach recommend`)."""
    return decide(slots, ck).model_copy(
        update={"not_asked": not_asked(ConversationState(slots=slots), ck)})


def not_asked(state: ConversationState, ck: CompiledKnowledge) -> list[NotAsked]:
    """What the card was made without, and why: skipped by rule 9, or left open (passed on,
    or not reached before "just tell me") and so counting for nothing."""
    kb = ck.kb
    answers = state.slots.answered()
    still_open = open_slots(state)
    result = []
    for slot in ALL_SLOTS:
        if slot in answers:
            continue
        label = kb.question(slot).short_label
        if slot in still_open and can_change(slot, answers, still_open, ck) is not True:
            text = kb.message("not_asked_cannot_change", label=label)
        else:
            text = kb.message("not_asked_assumed", label=label)
        result.append(NotAsked(slot=slot, text=text))
    return result


def _trimmed(text: str) -> str:
    """The first MAX_TEXT_CHARS characters, ending at whitespace when some is near the bound."""
    head = text[:MAX_TEXT_CHARS]
    if text[MAX_TEXT_CHARS].isspace():
        return head
    for cut in range(len(head) - 1, max(0, len(head) - _TRIM_BACK_CHARS), -1):
        if head[cut].isspace():
            return head[:cut]
    return head


def _command_of(norm: str) -> tuple[str, str | None] | None:
    bare = norm.rstrip(".!? ").strip()
    m = _SHOW.match(bare)
    if m:
        return "show", m.group(1)
    for command, phrases in _COMMANDS.items():
        if bare in phrases or norm in phrases:
            return command, None
    return None


class _Turn:
    def __init__(self, state: ConversationState, event: Event, ck: CompiledKnowledge) -> None:
        self.original = state
        # A turn mutates only the answers and the surface in place (lists are replaced, not
        # appended to), so copying those two is enough and much cheaper than a deep copy.
        self.state = state.model_copy(update={"slots": state.slots.model_copy(),
                                              "surface": dict(state.surface)})
        self.event = event
        self.ck = ck
        self.kb = ck.kb
        self.replies: list[Reply] = []
        self.erase = False
        # A revision decides for the old answers, the new ones, then the card: once each.
        self._decisions: dict[str, Recommendation] = {}
        # A reply that could mean two values: asked about instead of the next question.
        self._clarifying: tuple[str, tuple[str, ...]] | None = None
        if event.surface:
            self.state.surface.update(event.surface)

    # -- entry -------------------------------------------------------------------------

    def run(self) -> None:
        if len(self.event.text) > MAX_TEXT_CHARS:
            self.event = self.event.model_copy(update={"text": _trimmed(self.event.text)})
            self.replies.append(Notice(text=self.kb.message(
                "too_long", limit=f"{MAX_TEXT_CHARS:,}")))
        event = self.event
        if event.context_slots is not None:
            self._in_context(event)
        elif event.kind == "command" and event.command is not None:
            self._command(event.command, event.value)
        elif event.kind == "choice":
            self._choice(event.question_id or "", event.value or "")
        else:
            self._text(Utterance(event.text))

    def _decide(self, slots: Slots) -> Recommendation:
        key = slots.model_dump_json()
        if key not in self._decisions:
            self._decisions[key] = decide(slots, self.ck)
        return self._decisions[key]

    def _reject(self, reply: Reply) -> None:
        """Bad input: a clear reply, the state exactly as it was, the question again."""
        self.state = self.original.model_copy(update={
            "slots": self.original.slots.model_copy(), "surface": dict(self.original.surface)})
        if self.event.surface:
            self.state.surface.update(self.event.surface)
        self.replies.append(reply)
        self._reprompt(hint=True)
        # The re-ask shows the counter; that must not change the state either.
        self.state.progress_total = self.original.progress_total

    # -- commands ----------------------------------------------------------------------

    def _command(self, command: str, value: str | None) -> None:
        kb, s = self.kb, self.state
        if command == "start":
            if s.phase == "new":
                self._advance(intro=kb.message("welcome"))
            elif s.phase == "advised":
                self.replies.append(Notice(text=kb.say("resumed_card")))
                self._card()
            else:
                self._reprompt(greeting=True)
        elif command == "restart":
            # Nothing to keep from an empty start, but an earlier restart stays undoable.
            undo = [*s.undo, s.snapshot()] if s.slots.answered() or s.asked else s.undo
            self.state = ConversationState(history=s.history, surface=s.surface,
                                           phase="asking", undo=undo[-UNDO_LIMIT:])
            # Nothing lost by a slip ("clear" meant for the terminal): one "back" undoes it.
            self.replies.append(Notice(text=kb.message("restarted_undo" if undo
                                                       else "restarted")))
            self._advance()
        elif command == "help":
            # The button that starts "delete my data" lives under the help.
            self.replies.append(Answer(topic="help", text=kb.message("help"), choices=[
                Choice(value=FORGET_TOPIC, label=kb.message("forget_button"))]))
            self._reprompt()
        elif command == "explain":
            self._explain(s.slots, s.phase == "advised")
        elif command == "history":
            self._history()
        elif command == "show":
            self._show(value)
        elif command == "card":
            if s.phase == "advised":
                self._card()
            else:
                self.replies.append(Notice(text=kb.message("no_recommendation_yet")))
                self._reprompt()
        elif command == "forget" or (command == "topic" and value == FORGET_TOPIC):
            self._forget(value if command == "forget" else None)
        elif command == "forget_confirm" or (command == "topic" and value == FORGET_CONFIRM):
            self._forget("confirm")
        elif command == "topic" and value == FORGET_CANCEL:
            self._forget("cancel")
        elif command == "topic" and (value or "").startswith(HISTORY_TOPIC_PREFIX):
            self._show((value or "").removeprefix(HISTORY_TOPIC_PREFIX))
        elif command == "topic":
            self._topic(value or "", s.slots, s.phase == "advised")
            self._reprompt()
        elif command == "keep":
            self._keep_whatif()
        elif command == "back":
            self._back()
        elif command == "now":
            self._now()

    def _forget(self, answer: str | None) -> None:
        """"Delete my data": ask first; on "confirm", erase (the runner does the deleting)."""
        kb = self.kb
        if answer == "confirm":
            self.state = ConversationState()
            self.erase = True
            self.replies.append(Notice(text=kb.message("forget_done")))
        elif answer == "cancel":
            self.replies.append(Notice(text=kb.message("forget_cancelled")))
            self._reprompt()
        else:
            self.replies.append(Answer(topic=FORGET_TOPIC, text=kb.message("forget_prompt"),
                                       choices=[Choice(value=FORGET_CONFIRM,
                                                       label=kb.message("forget_yes")),
                                                Choice(value=FORGET_CANCEL,
                                                       label=kb.message("forget_no"))]))

    def _explain(self, slots: Slots, advised: bool) -> None:
        kb = self.kb
        if not advised:
            self.replies.append(Notice(text=kb.message("no_recommendation_yet")))
            self._reprompt()
            return
        rec = self._decide(slots)
        parts = [kb.say("explain_header", title=rec.title)]
        parts += [f"• {r.text}" for r in rec.reasons if r.points_to == rec.approach]
        if rec.method_reason:
            parts.append(f"• {rec.method_reason}")
        parts += [f"• {h}" for h in rec.hybrid_reasons]
        if rec.why_not:
            parts += ["", kb.say("explain_why_not")] + [f"• {w}" for w in rec.why_not]
        if rec.what_would_change:
            parts += ["", kb.say("explain_change")] + [f"• {w.text}" for w in rec.what_would_change]
        self.replies.append(Answer(topic="decision_framework", text="\n".join(parts)))

    def _history(self) -> None:
        kb = self.kb
        entries = list(reversed(self.state.history))
        if not entries:
            self.replies.append(Answer(topic="history", text=kb.message("history_empty")))
            self._reprompt()
            return
        lines = [kb.message("history_header")]
        for i, entry in enumerate(entries, 1):
            lines.append(kb.say("history_line", number=i, date=entry.at.strftime("%Y-%m-%d"),
                                title=entry.title, answers=self._key_answers(entry.slots)))
        choices = [Choice(value=f"{HISTORY_TOPIC_PREFIX}{i}", label=f"#{i}")
                   for i in range(1, len(entries) + 1)]
        self.replies.append(Answer(topic="history", text="\n".join(lines), choices=choices))

    def _key_answers(self, slots: Slots) -> str:
        shown = []
        for slot in ("examples", "budget", "accuracy", "timeline"):
            value = getattr(slots, slot)
            if value is not None:
                shown.append(f"{self.kb.question(slot).short_label.lower()} "
                             f"{self._value_label(slot, value).lower()}")
        return ", ".join(shown) or "-"

    def _show(self, value: str | None) -> None:
        kb = self.kb
        entries = list(reversed(self.state.history))
        number = int(value) if value and value.isdecimal() else 0
        if not 1 <= number <= len(entries):
            self._reject(ErrorReply(text=kb.message("history_not_found", number=value or "?")))
            return
        entry = entries[number - 1]
        self.replies.append(Notice(text=kb.say("show_header", number=number,
                                               date=entry.at.strftime("%Y-%m-%d"))))
        self.replies.append(RecommendationReply(recommendation=self._decide(entry.slots),
                                                answers=entry.slots))

    def _keep_whatif(self) -> None:
        if not self.state.whatif:
            self.replies.append(Notice(text=self.kb.message("no_recommendation_yet")
                                       if self.state.phase != "advised"
                                       else self.kb.message("unplaceable")))
            self._reprompt()
            return
        values = dict(self.state.whatif)
        self.state.whatif = {}
        self._apply_and_continue(values)

    def _remember_undo(self) -> None:
        """Keep the state before a change, for "back" (called before the change)."""
        s = self.state
        s.undo = [*s.undo, self.original.snapshot()][-UNDO_LIMIT:]

    def _back(self) -> None:
        s, kb = self.state, self.kb
        if not s.undo:
            self.replies.append(Notice(text=kb.message("nothing_to_undo")))
            self._reprompt()
            return
        entry = s.undo[-1]
        s.undo = s.undo[:-1]
        s.slots = entry.slots.model_copy()
        s.asked = list(entry.asked)
        s.pending, s.phase = entry.pending, entry.phase
        s.rushed, s.progress_total = entry.rushed, entry.progress_total
        s.whatif, s.offered = {}, []
        self.replies.append(Notice(text=kb.message("undone")))
        if s.phase == "advised":
            self._card()
        elif s.phase == "asking" and s.pending is not None:
            self._ask(s.pending)
        else:
            s.phase = "asking" if s.phase == "new" and s.slots.answered() else s.phase
            self._advance(intro=kb.message("welcome") if s.phase == "new" else None)

    def _now(self) -> None:
        s = self.state
        if s.phase == "advised":
            self._card()
            return
        self._remember_undo()
        s.rushed = True
        self._recommend()

    # -- answers -----------------------------------------------------------------------

    def _choice(self, question_id: str, value: str) -> None:
        kb, s = self.kb, self.state
        if question_id == "topic":
            self._topic(value, s.slots, s.phase == "advised")
            self._reprompt()
            return
        if question_id == "history":
            self._show(value)
            return
        if question_id != s.pending:
            # An out-of-date card: never a second answer.
            self.replies.append(Notice(text=kb.message("stale_card")))
            self._reprompt()
            return
        if question_id not in kb.questions or value not in slot_values(question_id):
            self._reject(ErrorReply(text=kb.say("not_an_option", value=value[:80])))
            return
        self._apply_and_continue({question_id: value})

    def _text(self, raw: str) -> None:
        kb, s = self.kb, self.state
        if not clean(raw):
            self._reject(ErrorReply(text=kb.message("empty_input")))
            return
        norm = normalise(raw)
        command = _command_of(norm)
        if command is not None:
            self._command(*command)
            return
        if s.phase == "new":
            # The first message of a conversation may already carry answers.
            s.phase = "asking"
        if s.pending is not None and norm in _SKIP:
            self._remember_undo()
            s.asked = [*s.asked, s.pending]
            self.replies.append(Notice(text=kb.say("skipped",
                                                   label=kb.question(s.pending).short_label)))
            self._advance()
            return

        hypothetical = followups.hypothetical(raw, self.ck)
        if hypothetical is not None:
            # Other hardware or another model: answered as a what-if, applied on "keep that".
            self.state.whatif = followups.offered_answers(hypothetical) or {}
            self._followup(hypothetical)
            return
        asking = is_question(raw)
        quick: Extraction | None = None
        if not asking and s.phase == "asking" and not followups.is_whatif(raw):
            # A plain answer ("2,000", "tight budget"): no need to run the topic matcher.
            quick = parse(raw, self.ck, pending=s.pending, offered=tuple(s.offered))
            if self._take(quick):
                return
        intent = followups.classify(raw, self.ck)
        if intent is not None and intent.kind == "whatif":
            self.state.whatif = followups.whatif_slots(raw, self.ck)
            self.replies.extend(followups.answer(intent, s.slots, self.ck,
                                                 advised=s.phase == "advised"))
            self._reprompt()
            return
        if asking and intent is not None:
            self._followup(intent)
            return
        extraction = quick or parse(raw, self.ck,
                                    pending=s.pending if s.phase == "asking" else None,
                                    offered=tuple(s.offered))
        if self._take(extraction):
            return
        if intent is not None:
            self._followup(intent)
            return
        if s.pending is not None:
            self._reject(ErrorReply(text=not_understood(kb, s.pending, extraction)))
            return
        if extraction.bad_number is not None:
            self._reject(ErrorReply(text=kb.message("reask", hint=self._hint())))
            return
        self.replies.append(followups.unplaceable(kb))

    def _take(self, extraction: Extraction) -> bool:
        """Apply what a message said (and ask about what it left open); False if nothing."""
        values = {k: v for k, v in extraction.values.items() if k in self.kb.questions}
        self._clarifying = next(((k, v) for k, v in extraction.clarify.items()
                                 if k in self.kb.questions), None)
        if not values and self._clarifying is None:
            return False
        self.replies.extend(Notice(text=note) for note in extraction.notes)
        if values:
            self._apply_and_continue(values)
        else:
            # Only a clarifying question: a step of its own, so "back" returns to where the
            # person was (the card, after a revision they typed once it was shown).
            self._remember_undo()
            self._advance()
        return True

    def _followup(self, intent: followups.Intent) -> None:
        self.replies.extend(followups.answer(intent, self.state.slots, self.ck,
                                             advised=self.state.phase == "advised"))
        self._reprompt()

    def _topic(self, topic: str, slots: Slots, advised: bool) -> None:
        if topic not in self.kb.topics:
            self.replies.append(followups.unplaceable(self.kb))
            return
        self.replies.extend(followups.topic_answer(topic, slots, self.ck, advised))

    def _apply_and_continue(self, values: dict[str, object]) -> None:
        s, kb = self.state, self.kb
        # An answer given outright overrides a what-if on the same question: "keep that" must
        # never put back the hypothetical over what the person said since.
        s.whatif = {k: v for k, v in s.whatif.items() if k not in values}
        before = s.slots.model_copy()
        was_advised = s.phase == "advised"
        changed = False
        for slot, value in values.items():
            old = getattr(s.slots, slot)
            if old == value:
                continue
            try:
                setattr(s.slots, slot, value)
            except ValidationError:
                continue
            changed = True
            label = kb.question(slot).short_label
            if old is None:
                text = kb.message("answer_recorded", label=label,
                                  value=self._value_label(slot, value))
            else:
                text = kb.message("answer_changed", label=label,
                                  old=self._value_label(slot, old),
                                  new=self._value_label(slot, value))
            self.replies.append(Notice(text=text, slot=slot, value=str(value)))
        if not changed:
            if was_advised:
                self.replies.append(Notice(text=kb.message("decision_same",
                                                           title=self._decide(s.slots).title)))
            else:
                self._advance()
            return
        self._remember_undo()
        # No data means no count to ask about; a count means there is data.
        settled = settled_count({"has_data": s.slots.has_data})  # no dump of every answer
        if settled is not None and s.slots.examples is None:
            s.slots.examples = settled
        if was_advised:
            old_title = self._decide(before).title
            new_title = self._decide(s.slots).title
            if old_title != new_title:
                self.replies.append(Notice(text=kb.message("decision_changed", old=old_title,
                                                           new=new_title)))
            else:
                self.replies.append(Notice(text=kb.message("decision_same", title=new_title)))
        self._advance()

    # -- asking and recommending ---------------------------------------------------------

    def _advance(self, intro: str | None = None) -> None:
        if self._clarifying is not None:
            unsure, values = self._clarifying
            self._clarifying = None
            self._ask(unsure, only=values)
            return
        slot = next_question(self.state, self.ck)
        if slot is None:
            self._recommend()
        else:
            self._ask(slot, intro=intro)

    def _ask(self, slot: str, hint: bool = False, intro: str | None = None,
             only: tuple[str, ...] | None = None) -> None:
        """Ask a slot's question; with `only`, "Did you mean X or Y?" with just those."""
        s, kb = self.state, self.kb
        q = kb.question(slot)
        s.pending = slot
        s.phase = "asking"
        step, total, about = self._progress(slot)
        progress = kb.message("progress_about" if about else "progress", step=step, total=total)
        choices = list(self.ck.choices[slot])
        text = q.text
        s.offered = []
        if only:
            choices = [c for c in choices if c.value in only]
            text = did_you_mean(kb, slot, only)
            s.offered = [c.value for c in choices]
        self.replies.append(Question(
            question_id=slot, text=text, hint=q.hint if hint or not q.choices else None,
            choices=choices,
            state_version=s.version, step=step, total_steps=total, intro=intro,
            progress=progress, actions=self._actions(),
        ))

    def _progress(self, asking: str) -> tuple[int, int, bool]:
        """(this question's number, the questions in all, whether that total may still fall)
        for "Question 3 of about 6". The total counts the questions answered or passed on and
        those still worth asking. An answer can only make questions stop mattering, never
        start (rule 9 looks at every answer they could give), so the total only falls; the
        one shown last is kept as a ceiling, so that an answer nobody asked for (counted as
        done) does not raise it. Only where the bounded search missed a question that a later
        answer shows to matter does the total grow, by that question."""
        s = self.state
        answers = s.slots.answered()
        done = sum(1 for slot in ALL_SLOTS if slot in answers or slot in s.asked)
        settled = settled_count(answers)
        if settled is not None and answers.get("examples") == settled:
            done -= 1  # a count that followed from "no data" was never a question
        remaining = worth_asking(s, self.ck)
        if asking not in remaining:
            remaining.append(asking)
        total = done + len(remaining)
        if s.progress_total is not None:
            total = min(total, s.progress_total)
        total = max(total, done + 1)
        s.progress_total = total
        return done + 1, total, len(remaining) > 1

    def _actions(self) -> list[Choice]:
        """The buttons every question carries: undo the last answer, and the card now."""
        kb = self.kb
        actions = [Choice(value="now", label=kb.message("action_now"))]
        if self.state.undo:
            actions.insert(0, Choice(value="back", label=kb.message("action_back")))
        return actions

    def _recommend(self) -> None:
        s = self.state
        rec = self._decide(s.slots)
        s.pending = None
        s.offered = []
        s.phase = "advised"
        self._remember(rec)
        self.replies.append(RecommendationReply(recommendation=self._with_not_asked(rec),
                                                state_version=s.version,
                                                answers=s.slots.model_copy()))

    def _with_not_asked(self, rec: Recommendation) -> Recommendation:
        return rec.model_copy(update={"not_asked": not_asked(self.state, self.ck)})

    def _remember(self, rec: Recommendation) -> None:
        s = self.state
        if s.history and s.history[-1].slots == s.slots:
            return
        entry = HistoryEntry(at=self.event.at, slots=s.slots.model_copy(), title=rec.title)
        s.history = [*s.history, entry][-HISTORY_LIMIT:]

    def _card(self) -> None:
        rec = self._with_not_asked(self._decide(self.state.slots))
        self.replies.append(RecommendationReply(recommendation=rec,
                                                state_version=self.state.version,
                                                answers=self.state.slots.model_copy()))

    def _reprompt(self, hint: bool = False, greeting: bool = False) -> None:
        """Put the pending question back in front of the person."""
        s = self.state
        if s.phase == "asking" and s.pending is not None:
            self._ask(s.pending, hint=hint)
        elif s.phase == "new":
            s.phase = "asking"
            self._advance(intro=self.kb.message("welcome"))
        elif greeting and s.phase == "asking":
            # Asking, but nothing asked yet (the first message was not an answer): a greeting
            # still gets the welcome and a first question.
            self._advance(intro=self.kb.message("welcome"))

    def _hint(self) -> str:
        pending = self.state.pending
        return self.kb.question(pending).hint if pending else ""

    def _value_label(self, slot: str, value: object) -> str:
        if isinstance(value, int):
            return f"{value:,}"
        choice = self.kb.choice(slot, str(value))
        return choice.label if choice else str(value)

    # -- a shared card's thread ----------------------------------------------------------

    def _in_context(self, event: Event) -> None:
        """Follow-ups about someone's shared recommendation: answered from that card's
        answers, never touching this person's own conversation."""
        kb = self.kb
        try:
            slots = Slots.model_validate(event.context_slots)
        except ValidationError:
            slots = Slots()
        if event.kind == "command" and event.command == "explain":
            self._explain(slots, advised=True)
            return
        if event.kind == "command" and event.command == "topic":
            self._topic(event.value or "", slots, advised=True)
            return
        text = Utterance(event.text)
        if not clean(text):
            self.replies.append(ErrorReply(text=kb.message("empty_input")))
            return
        command = _command_of(normalise(text))
        if command is not None and command[0] == "explain":
            self._explain(slots, advised=True)
            return
        intent = followups.classify(text, self.ck)
        if intent is None:
            self.replies.append(followups.unplaceable(kb))
            return
        self.replies.extend(followups.answer(intent, slots, self.ck, advised=True))
