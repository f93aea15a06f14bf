"""Reading what a person typed: counts, slot values, commands."""

from dialogs.understanding.slots import Extraction, extract_slots, is_question, parse

__all__ = ["Extraction", "extract_slots", "is_question", "parse"]
