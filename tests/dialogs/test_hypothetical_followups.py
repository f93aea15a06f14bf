"""Follow-ups that name other hardware or another model answer in that hypothetical and
never change the person's answers (issue 13, finding 7); "keep that" applies them."""

from __future__ import annotations

import pytest

from dialogs.replies import Answer, Notice, Question, RecommendationReply
from tests.dialogs.test_machine import Chat

# A person advised to fine-tune, with no GPUs of their own.
ANSWERS = ["customer service", "yes", "5000", "consistency", "medium", "specialized", "high",
           "this week"]


def advised_chat() -> Chat:
    chat = Chat()
    chat.say("hi")
    for text in ANSWERS:
        chat.say(text)
    for _ in range(10):
        q = chat.question()
        if q is None:
            break
        if q.question_id == "hardware":
            chat.click("hardware", "api_only")
        elif q.choices:
            chat.click(q.question_id, q.choices[0].value)
        else:
            chat.say("2M tokens a month")
    assert chat.state.phase == "advised" and chat.state.slots.hardware == "api_only"
    return chat


@pytest.mark.parametrize(("text", "topic"), [
    ("phi-3 mini 3.8B full fine-tune on a 4090", "gpu_memory"),
    ("Mixtral 8x7B on an A100", "gpu_memory"),
    ("memory for mixtral 8x22b", "gpu_memory"),
    ("how much memory to serve a 70B model?", "inference"),
    ("llama 3 70b on 2x 80GB", "gpu_memory"),
    ("how much does it cost to fine-tune Llama 3 8B on an H100?", "cost"),
])
def test_a_hypothetical_follow_up_answers_and_leaves_the_answers(text: str, topic: str) -> None:
    chat = advised_chat()
    before = chat.state.slots.model_copy()
    replies = chat.say(text)
    answers = [r for r in replies if isinstance(r, Answer)]
    assert [a.topic for a in answers] == [topic]
    assert chat.state.slots == before
    assert not [r for r in replies if isinstance(r, Notice) and r.slot is not None]
    assert not [r for r in replies if isinstance(r, RecommendationReply)]


def test_the_phi3_question_is_answered_and_offers_the_hardware() -> None:
    chat = advised_chat()
    [answer] = [r for r in chat.say("phi-3 mini 3.8B full fine-tune on a 4090")
                if isinstance(r, Answer)]
    assert "Phi-3 mini (3.8B parameters)" in answer.text
    assert "Too big: Standard Fine-Tuning" in answer.text
    assert "say 'keep that'" in answer.text.lower()
    assert chat.state.slots.hardware == "api_only"
    # "keep that" applies what the question named, and only then.
    replies = chat.say("keep that")
    assert chat.state.slots.hardware == "consumer_gpu"
    assert any(isinstance(r, Notice) and r.slot == "hardware" for r in replies)


def test_mid_interview_the_question_is_answered_and_the_interview_goes_on() -> None:
    chat = Chat()
    chat.say("hi")
    chat.say("customer service")
    replies = chat.say("Mixtral 8x7B on an A100")
    assert [r.topic for r in replies if isinstance(r, Answer)] == ["gpu_memory"]
    assert chat.state.slots.hardware is None
    assert isinstance(replies[-1], Question) and replies[-1].question_id == "has_data"


def test_a_bare_gpu_answer_to_the_hardware_question_is_still_an_answer() -> None:
    chat = Chat()
    chat.say("hi")
    for text in ANSWERS:
        chat.say(text)
    for _ in range(10):
        q = chat.question()
        if q is None or q.question_id == "hardware":
            break
        chat.click(q.question_id, q.choices[0].value) if q.choices else chat.say("2M tokens")
    assert chat.question() is not None and chat.question().question_id == "hardware"
    chat.say("2x 80GB")
    assert chat.state.slots.hardware == "datacenter_gpu"


@pytest.mark.parametrize(("text", "slot", "value"), [
    ("actually we have an A100 80GB", "hardware", "datacenter_gpu"),
    ("we got a 4090 now", "hardware", "consumer_gpu"),
])
def test_a_statement_of_new_hardware_is_still_an_answer(text: str, slot: str,
                                                        value: str) -> None:
    chat = advised_chat()
    chat.say(text)
    assert getattr(chat.state.slots, slot) == value


@pytest.mark.parametrize("text", ["can i run a 70b model on a 4090?",
                                  "how much would it cost to fine-tune Llama 3 8B on an H100?"])
def test_serving_and_cost_what_ifs_offer_to_apply_too(text: str) -> None:
    chat = advised_chat()
    [answer] = [r for r in chat.say(text) if isinstance(r, Answer)]
    assert "say 'keep that'" in answer.text.lower()
    assert chat.state.slots.hardware == "api_only" and chat.state.whatif
