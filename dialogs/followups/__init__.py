"""Follow-ups after (or before) the recommendation: topic answers in context, what-ifs, the
cost and GPU memory calculators. Pure logic over knowledge/: no I/O."""

from dialogs.followups.classify import classify, whatif_slots
from dialogs.followups.intent import TOPIC_IDS, Intent

__all__ = ["TOPIC_IDS", "Intent", "classify", "whatif_slots"]
