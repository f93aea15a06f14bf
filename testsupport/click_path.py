"""A conversation the buttons alone can finish, as the labels a person clicks (numeric
questions have no buttons)."""

# With no data, rule 9 asks only what can still change the card: budget and accuracy (together
# they add an ensemble), knowledge updates (RAG) and explanations (chain-of-thought prompting).
CLICK_PATH = {
    "use_case": "Something else", "has_data": "No, not yet", "budget": "High",
    "accuracy": "Perfect", "knowledge_updates": "Often (weekly or more)",
    "explainability": "Yes, show the reasoning",
}
