"""The knowledge compiled once for the rules: what it remembers belongs to it alone."""

import gc
import weakref

from dialogs.compiled import CompiledKnowledge, compile_knowledge
from dialogs.events import Event
from dialogs.machine import step
from dialogs.replies import Question
from dialogs.state import ConversationState
from knowledge import default_knowledge

KB = default_knowledge()


def _first_turns(ck: CompiledKnowledge) -> None:
    result = step(ConversationState(), Event.cmd("t:compiled", "start"), ck)
    question = next(r for r in result.replies if isinstance(r, Question))
    step(result.state, Event.choice("t:compiled", question.question_id,
                                    question.choices[0].value), ck)


def test_nothing_outlives_the_compiled_knowledge() -> None:
    """No module keeps a knowledge object or its results: once its owner lets go of the
    compiled knowledge, both are freed (a module-level memo kept every one forever)."""
    own = KB.model_copy()
    ck = compile_knowledge(own)
    _first_turns(ck)
    assert len(ck.worth) and len(ck.outcomes)  # the turns did remember their work here
    freed_kb, freed_ck = weakref.ref(own), weakref.ref(ck)
    del own, ck
    gc.collect()
    assert freed_kb() is None and freed_ck() is None


def test_an_edited_knowledge_compiled_anew_is_decided_by_its_own_thresholds() -> None:
    from dialogs.engine import decide
    from dialogs.slots import Slots

    slots = Slots(has_data="yes", examples=300)
    assert decide(slots, compile_knowledge(KB)).approach == "fine_tuning"
    strict = KB.model_copy(update={"thresholds": KB.thresholds.model_copy(
        update={"prompt_engineering_below": 1_000})})
    assert decide(slots, compile_knowledge(strict)).approach == "prompt_engineering"
