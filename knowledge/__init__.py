"""The guide as validated data: `load_knowledge(path)` and the cached `default_knowledge()`."""

from knowledge.loader import KnowledgeError, default_knowledge, load_knowledge
from knowledge.models import Knowledge

__all__ = ["Knowledge", "KnowledgeError", "default_knowledge", "load_knowledge"]
