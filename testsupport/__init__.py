"""What the tests and the benchmarks share: the Slack and Teams stand-ins and the requests those
platforms send, a redis-server of their own, the load driver, and small helpers (a free port,
a percentile). Not shipped with the bot (pyproject's package list leaves it out); imported from
the repository root, where pytest and `python -m benchmarks.<name>` both run."""
