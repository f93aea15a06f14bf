"""The dialog state machine, driven event by event (pure: no store, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialogs.compiled import compile_knowledge
from dialogs.events import Event
from dialogs.machine import MAX_TEXT_CHARS, step
from dialogs.replies import (
    Answer,
    ErrorReply,
    Notice,
    Question,
    RecommendationReply,
    reply_json,
)
from dialogs.state import HISTORY_LIMIT, ConversationState
from knowledge import default_knowledge

KB = default_knowledge()
CK = compile_knowledge(KB)
C = "test:T1:U1"


class Chat:
    def __init__(self) -> None:
        self.state = ConversationState()
        self.replies: list = []
        self.at = datetime(2026, 11, 26, tzinfo=UTC)

    def send(self, event: Event) -> list:
        result = step(self.state, event, CK)
        self.state = result.state
        self.replies = result.replies
        return result.replies

    def say(self, text: str) -> list:
        return self.send(Event.typed(C, text, at=self.at))

    def click(self, question_id: str, value: str) -> list:
        return self.send(Event.choice(C, question_id, value, at=self.at))

    def question(self) -> Question | None:
        qs = [r for r in self.replies if isinstance(r, Question)]
        return qs[-1] if qs else None

    def card(self) -> RecommendationReply | None:
        cards = [r for r in self.replies if isinstance(r, RecommendationReply)]
        return cards[-1] if cards else None


def finish_by_first_choice(chat: Chat) -> RecommendationReply:
    for _ in range(20):
        q = chat.question()
        if q is None:
            break
        if q.choices:
            chat.click(q.question_id, q.choices[0].value)
        else:
            chat.say("5000")
    card = chat.card()
    assert card is not None
    return card


def test_start_asks_the_first_question_with_choices():
    chat = Chat()
    replies = chat.send(Event.cmd(C, "start"))
    # The first reply is the question itself, the welcome riding on it.
    assert isinstance(replies[0], Question) and replies[0].intro
    q = chat.question()
    assert q is not None and q.question_id == "use_case" and q.choices
    assert chat.state.pending == "use_case"
    assert reply_json(q)["kind"] == "question"


def test_a_whole_conversation_by_clicks_ends_in_a_card_and_is_remembered():
    chat = Chat()
    chat.send(Event.cmd(C, "start"))
    card = finish_by_first_choice(chat)
    rec = card.recommendation
    assert rec.approach in ("prompt_engineering", "fine_tuning", "training_from_scratch")
    assert chat.state.phase == "advised" and chat.state.pending is None
    assert len(chat.state.history) == 1
    data = reply_json(card)["recommendation"]
    for key in ("approach", "method", "hybrids", "start_stage", "roadmap", "reasons", "costs",
                "data_needed"):
        assert key in data


def test_one_message_answers_several_questions_and_none_is_asked_twice():
    chat = Chat()
    chat.send(Event.cmd(C, "start"))
    chat.say("customer service")
    chat.say("we have about 5k labelled tickets, tight budget, need it by Friday")
    s = chat.state.slots
    assert (s.examples, s.has_data, s.budget, s.timeline) == (5000, "yes", "low", "week")
    asked = []
    for _ in range(15):
        q = chat.question()
        if q is None:
            break
        asked.append(q.question_id)
        if q.choices:
            chat.click(q.question_id, q.choices[-1].value)
        else:  # the model size is asked in billions of parameters
            chat.say("7B" if q.question_id == "model_size" else "1M")
    assert not {"has_data", "examples", "budget", "timeline"} & set(asked)
    assert len(asked) == len(set(asked))
    assert chat.card() is not None


def test_no_data_skips_the_example_count():
    chat = Chat()
    chat.send(Event.cmd(C, "start"))
    chat.click("use_case", "other")
    chat.click("has_data", "no")
    assert chat.question().question_id != "examples"
    assert chat.state.slots.examples == 0


def test_answer_by_value_label_number_and_words():
    for text in ("medium", "Medium", "2", "a moderate budget"):
        chat = Chat()
        chat.state = ConversationState(phase="asking", pending="budget")
        chat.say(text)
        assert chat.state.slots.budget == "medium", text


def advised_chat(**answers: object) -> Chat:
    chat = Chat()
    base = {"use_case": "code_generation", "has_data": "yes", "examples": 5000,
            "priority": "consistency", "budget": "low", "uniqueness": "specialized",
            "accuracy": "high", "timeline": "week", "explainability": "no",
            "monthly_tokens": 1_000_000, "hardware": "consumer_gpu", "data_quality": "high",
            "knowledge_updates": "rarely"}
    chat.state = ConversationState(phase="asking", pending="use_case")
    for k, v in {**base, **answers}.items():
        setattr(chat.state.slots, k, v)
    chat.send(Event.cmd(C, "card"))  # not advised yet: a notice and the question
    chat.say("code generation")  # re-answering an answer advances to the card
    assert chat.card() is not None, chat.replies
    return chat


def test_changing_an_answer_after_the_card_decides_again_and_says_what_changed():
    chat = advised_chat()
    before = chat.card().recommendation
    assert before.method == "qlora"
    chat.say("actually our budget is high")
    notices = [r.text for r in chat.replies if isinstance(r, Notice)]
    assert any("→" in n and "Budget" in n for n in notices)
    assert chat.state.slots.budget == "high"
    # Rule 5 (version 2): the budget alone never moves the method; the hardware does.
    assert chat.card().recommendation.method == "qlora"
    chat.say("actually we have datacenter GPUs")
    assert chat.state.slots.hardware == "datacenter_gpu"
    # The model size can now change the method, so it is asked before the card.
    assert chat.question().question_id == "model_size"
    chat.say("13B")
    after = chat.card().recommendation
    assert after.method == "lora" and after.model_size_b == 13


def test_a_stale_click_gets_a_notice_and_the_current_question_never_a_second_answer():
    chat = Chat()
    chat.send(Event.cmd(C, "start"))
    chat.click("use_case", "customer_service")
    state_before = chat.state.model_copy(deep=True)
    replies = chat.click("use_case", "other")  # the old card's button
    assert isinstance(replies[0], Notice)
    assert chat.question().question_id == state_before.pending
    assert chat.state.slots == state_before.slots


@pytest.mark.parametrize("text", [
    "", "   ", "\x00\x07\x1b[2J", "x" * 100_000, "😀🎉", "-5", "1e9999",
    "'; DROP TABLE users; --", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n", "FLUSHALL",
])
def test_bad_input_gets_a_clear_reask_and_leaves_the_state_as_it_was(text):
    chat = Chat()
    chat.state = ConversationState(phase="asking", pending="examples")
    chat.state.slots.has_data = "yes"
    before = chat.state.model_copy(deep=True)
    replies = chat.say(text)
    assert chat.state == before
    assert any(isinstance(r, ErrorReply | Answer) for r in replies)
    assert chat.question().question_id == "examples"


def test_a_message_past_the_bound_is_read_up_to_it_with_a_notice():
    chat = Chat()
    chat.state = ConversationState(phase="asking", pending="use_case")
    filler = "lorem ipsum " * 400
    replies = chat.say("customer service, " + filler)
    assert replies[0] == Notice(text=KB.message("too_long", limit=f"{MAX_TEXT_CHARS:,}"))
    assert chat.state.slots.use_case == "customer_service"
    assert chat.question() is not None and chat.question().question_id != "use_case"


def test_a_trimmed_message_never_ends_in_half_a_number():
    chat = Chat()
    chat.state = ConversationState(phase="asking", pending="examples")
    chat.state.slots.has_data = "yes"
    words = "x\n" * ((MAX_TEXT_CHARS - 2) // 2)  # a line break is a place to cut too
    text = words + "5,000 examples"
    assert len(words) < MAX_TEXT_CHARS < len(words) + len("5,000")  # it straddles the bound
    replies = chat.say(text)
    assert replies[0] == Notice(text=KB.message("too_long", limit=f"{MAX_TEXT_CHARS:,}"))
    assert chat.state.slots.examples is None  # not "5" or "5,0"


def test_invalid_choice_value_is_refused_and_state_kept():
    chat = Chat()
    chat.state = ConversationState(phase="asking", pending="budget")
    before = chat.state.model_copy(deep=True)
    replies = chat.click("budget", "infinite")
    assert isinstance(replies[0], ErrorReply)
    assert chat.state == before


def test_skip_leaves_the_answer_unknown_and_moves_on():
    chat = Chat()
    chat.state = ConversationState(phase="asking", pending="uniqueness")
    chat.say("not sure")
    assert chat.state.slots.uniqueness is None
    assert "uniqueness" in chat.state.asked
    assert chat.question().question_id != "uniqueness"


def test_help_why_and_restart():
    chat = advised_chat()
    assert chat.say("help")[0].topic == "help"
    why = chat.say("why?")[0]
    assert isinstance(why, Answer) and chat.card() is None
    assert "QLoRA" in why.text
    history = list(chat.state.history)
    chat.say("restart")
    assert chat.state.slots.answered() == {}
    assert chat.state.history == history
    assert chat.question().question_id == "use_case"


def test_history_keeps_the_last_five_and_show_brings_one_back():
    chat = Chat()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(HISTORY_LIMIT + 2):
        chat.at = t0 + timedelta(days=i)
        chat.send(Event.cmd(C, "restart", at=chat.at))
        for _ in range(20):
            q = chat.question()
            if q is None:
                break
            if q.question_id == "examples":
                chat.say(str(100 * (i + 1)), )
            elif q.choices:
                chat.click(q.question_id, q.choices[i % len(q.choices)].value)
            else:
                chat.say("1M")
    assert len(chat.state.history) == HISTORY_LIMIT
    listing = chat.say("history")[0]
    assert listing.text.count("\n") == HISTORY_LIMIT
    assert "2026-01-07" in listing.text.splitlines()[1]  # newest first
    shown = chat.say("show 2")
    assert isinstance(shown[-1], RecommendationReply)
    # The list's buttons bring an entry back too, sent as any answer's buttons are (a topic).
    pressed = chat.send(Event.cmd(C, "topic", listing.choices[1].value))
    assert isinstance(pressed[-1], RecommendationReply)
    assert pressed[-1].recommendation.title == shown[-1].recommendation.title
    oldest_kept = chat.say("show 5")
    assert isinstance(oldest_kept[-1], RecommendationReply)
    before = chat.state.model_copy(deep=True)
    assert isinstance(chat.say("show 9")[0], ErrorReply)
    assert chat.state == before


def test_start_resumes_the_pending_question_and_shows_the_card_when_advised():
    chat = Chat()
    chat.state = ConversationState(phase="asking", pending="accuracy")
    chat.send(Event.cmd(C, "start"))
    assert chat.question().question_id == "accuracy"
    chat = advised_chat()
    chat.send(Event.cmd(C, "start"))
    assert chat.card() is not None


def test_follow_up_in_a_shared_cards_thread_uses_that_cards_answers_and_touches_nothing():
    chat = Chat()
    before = chat.state.model_copy(deep=True)
    replies = chat.send(Event(conversation=C, kind="text", text="why not train from scratch?",
                              context_slots={"examples": 5000, "budget": "low",
                                             "priority": "consistency"}))
    assert replies and isinstance(replies[0], Answer)
    assert chat.state.slots == before.slots and chat.state.phase == before.phase


def test_surface_context_is_remembered_for_the_adapter():
    chat = Chat()
    chat.send(Event(conversation=C, kind="command", command="start",
                    surface={"channel": "C123"}))
    assert chat.state.surface == {"channel": "C123"}


def test_what_if_leaves_answers_alone_and_keep_that_applies_it():
    chat = advised_chat()
    slots = chat.state.slots.model_copy()
    replies = chat.say("what if we had 2 million examples?")
    assert replies and chat.state.slots == slots
    chat.say("keep that")
    assert chat.state.slots.examples == 2_000_000
