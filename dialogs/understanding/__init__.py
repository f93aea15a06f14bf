"""Reading what a person typed: counts, slot values, commands."""

from dialogs.understanding.clarify import did_you_mean, not_understood
from dialogs.understanding.slots import Extraction, extract_slots, is_question, parse

__all__ = ["Extraction", "did_you_mean", "extract_slots", "is_question", "not_understood",
           "parse"]
