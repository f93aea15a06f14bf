import pytest

from dialogs.compiled import CompiledKnowledge, compile_knowledge
from knowledge import load_knowledge
from knowledge.models import Knowledge


@pytest.fixture(scope="session")
def kb() -> Knowledge:
    return load_knowledge()


@pytest.fixture(scope="session")
def ck(kb: Knowledge) -> CompiledKnowledge:
    """The knowledge compiled once for the session, as the runner compiles it at start-up."""
    return compile_knowledge(kb)
