import pytest

from knowledge import load_knowledge
from knowledge.models import Knowledge


@pytest.fixture(scope="session")
def kb() -> Knowledge:
    return load_knowledge()
