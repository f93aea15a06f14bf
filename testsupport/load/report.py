"""A load run's report, printed line by line (never asserted: the tests assert on the Report)."""

from __future__ import annotations

from collections.abc import Callable

from testsupport.load.run import Report
from testsupport.load.scripts import TURNS
from testsupport.stats import percentile


def describe(report: Report, out: Callable[[str], None] = print) -> None:
    s = report.stats
    out(f"conversations: {report.conversations} x {TURNS} turns "
        f"(half Slack, half Teams; half typed, half clicks), replicas: {report.replicas}, "
        f"fault: {report.fault}, think time: {report.think:g} s")
    out(f"turns applied: {report.turns} in {report.seconds:.1f} s = "
        f"{report.turns / report.seconds:.0f} turns/s; serve CPU "
        f"{report.server_cpu_seconds:.1f} s = "
        f"{report.server_cpu_seconds / max(report.turns, 1) * 1000:.2f} ms per turn "
        f"(so ~{report.turns / report.server_cpu_seconds:.0f} turns/s per busy core); "
        f"this process (people + stand-ins) {report.load_cpu_seconds:.1f} s CPU")
    out(f"slack ack   p50 {percentile(s.slack_acks, 0.5) * 1000:7.1f} ms   p99 "
        f"{percentile(s.slack_acks, 0.99) * 1000:7.1f} ms   max "
        f"{max(s.slack_acks, default=0) * 1000:7.1f} ms   (target p99 < 300 ms) "
        f"{'PASS' if percentile(s.slack_acks, 0.99) < 0.3 else 'MISS'}")
    out(f"slack ack, turns 2-{TURNS} only: p50 "
        f"{percentile(s.slack_acks_after_first, 0.5) * 1000:.1f} ms   p99 "
        f"{percentile(s.slack_acks_after_first, 0.99) * 1000:.1f} ms   (without the opening "
        f"burst: every conversation's first turn at once when there is no think time)")
    out(f"teams reply p50 {percentile(s.teams_requests, 0.5) * 1000:7.1f} ms   p99 "
        f"{percentile(s.teams_requests, 0.99) * 1000:7.1f} ms   (request to response: the "
        f"turn is done and its cards posted)")
    out(f"turn (sent to reply seen) p50 {percentile(s.turn_seconds, 0.5) * 1000:.1f} ms   "
        f"p99 {percentile(s.turn_seconds, 0.99) * 1000:.1f} ms")
    out(f"HTTP statuses: {dict(sorted(s.statuses.items()))}   5xx: {report.five_xx}")
    out(f"store-down replies with no fault on (overload past REDIS_TIMEOUT_SECONDS, the "
        f"person tried again): {s.overload_errors}")
    if report.fault != "none":
        out(f"fault: {s.friendly_errors} turns got the friendly error; probe replies during "
            f"the fault: {s.fault_friendly} of {len(s.fault_replies)} friendly, p50 "
            f"{percentile(s.fault_replies, 0.5) * 1000:.0f} ms, max "
            f"{max(s.fault_replies, default=0) * 1000:.0f} ms; "
            f"probe statuses {dict(sorted(s.fault_statuses.items()))}; readyz during "
            f"{s.readyz_during_fault}, after {s.readyz_after}; "
            f"{s.prefix_checks} states checked to be a prefix of their script")
    out(f"final states checked: {report.checked}, lost/doubled/reordered: {report.lost}")
    out(f"serve exit codes: {report.exit_codes}; tracebacks in logs: "
        f"{sum('Traceback' in log for log in report.server_logs)}")
    for problem in s.problems[:20]:
        out(f"  problem: {problem}")
    out(f"outcome: {'OK' if report.ok else 'FAILED'}")
