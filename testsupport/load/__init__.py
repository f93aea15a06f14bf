"""N concurrent conversations of 8 turns against `python -m bot serve` on a real Redis, each
checked against its script afterwards (benchmarks/load_run.py prints a full run;
tests/reliability runs small ones). Modules by what they do: scripts (the conversations),
standins (the platforms, indexed per conversation), serve (the bot's processes), driver (the
people sending turns), faults (Redis struck mid-run), run (one whole run and its Report),
report (the printed figures)."""
