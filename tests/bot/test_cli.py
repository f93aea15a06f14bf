"""The CLI contract (docs/architecture.md), checked the way outside tools use it: as a
subprocess."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings
from knowledge import default_knowledge
from testsupport.ports import free_port

KB = default_knowledge()
pytestmark = pytest.mark.slow  # a CLI subprocess a test

# Settings the developer's shell may carry; each test states the ones it wants.
_SETTING_VARS = frozenset(name.upper() for name in Settings.model_fields)
# A hang guard for reads from the child, never a timing assertion.
READ_TIMEOUT = 60


def cli_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.upper() not in _SETTING_VARS}
    env.update(settings)
    return env


def run_cli(args: list[str], cwd: Path, stdin: str = "", **settings: str
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, text=True,
                          capture_output=True, cwd=cwd, env=cli_env(**settings),
                          timeout=READ_TIMEOUT, encoding="utf-8")


def json_lines(stdout: str) -> list[dict[str, Any]]:
    """Every stdout line as a JSON object with a kind (the assertion is that this holds)."""
    objects = []
    for line in stdout.splitlines():
        obj = json.loads(line)
        assert isinstance(obj, dict) and "kind" in obj, line
        objects.append(obj)
    return objects


class ChatProcess:
    """`chat --json` driven line by line, as a program talking to it would."""

    def __init__(self, cwd: Path, *extra: str, **settings: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "chat", "--json", *extra], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
            cwd=cwd, env=cli_env(**settings), bufsize=1)
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def read(self) -> dict[str, Any]:
        line = self.lines.get(timeout=READ_TIMEOUT)
        assert line is not None, f"chat ended early; stderr:\n{self.stderr()}"
        obj = json.loads(line)
        assert isinstance(obj, dict) and "kind" in obj, line
        return obj

    def read_until_prompt(self) -> list[dict[str, Any]]:
        """The replies of one turn: up to and including a question or recommendation."""
        replies = [self.read()]
        while replies[-1]["kind"] not in ("question", "recommendation"):
            replies.append(self.read())
        return replies

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def finish(self) -> tuple[int, list[dict[str, Any]]]:
        """Close stdin (end of input); the exit code and whatever replies were still coming."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        rest = []
        while (line := self.lines.get(timeout=READ_TIMEOUT)) is not None:
            rest.append(json.loads(line))
        return self.proc.wait(timeout=READ_TIMEOUT), rest

    def stderr(self) -> str:
        if self.proc.poll() is None:
            return "(still running)"
        assert self.proc.stderr is not None
        return self.proc.stderr.read()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def chat_process(tmp_path: Path) -> Iterator[Any]:
    started: list[ChatProcess] = []

    def start(*extra: str, **settings: str) -> ChatProcess:
        process = ChatProcess(tmp_path, *extra, **settings)
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()


def choice_number(question: dict[str, Any], value: str) -> str:
    values = [c["value"] for c in question["choices"]]
    return str(values.index(value) + 1)


def choice_label(question: dict[str, Any], value: str) -> str:
    return next(c["label"] for c in question["choices"] if c["value"] == value)


# How the full conversation answers each question: by number, label, value, or free text.
ANSWERS: dict[str, tuple[str, str]] = {
    "use_case": ("number", "customer_service"),
    "has_data": ("label", "yes"),
    "examples": ("text", "about 5k labelled tickets"),
    "priority": ("value", "consistency"),
    "budget": ("number", "medium"),
    "uniqueness": ("label", "specialized"),
    "accuracy": ("value", "high"),
    "timeline": ("text", "we need it by friday"),
    "knowledge_updates": ("value", "rarely"),
    "hardware": ("label", "datacenter_gpu"),
    "data_quality": ("number", "high"),
    "monthly_tokens": ("text", "1,000,000"),
    "explainability": ("value", "no"),
    "model_size": ("text", "13B"),
}


def answer_line(question: dict[str, Any], answers: dict[str, tuple[str, str]]) -> str:
    how, value = answers[question["question_id"]]
    if how == "number":
        return choice_number(question, value)
    if how == "label":
        return choice_label(question, value)
    return value


def converse(chat: ChatProcess, answers: dict[str, tuple[str, str]]
             ) -> tuple[list[str], dict[str, Any]]:
    """Answer each question as `answers` says until something else comes; the questions asked
    (in order) and that last reply. Ends the input and checks the exit."""
    reply = chat.read_until_prompt()[-1]
    asked: list[str] = []
    while reply["kind"] == "question":
        asked.append(reply["question_id"])
        assert asked.count(reply["question_id"]) == 1, f"re-asked: {asked}"
        chat.send(answer_line(reply, answers))
        reply = chat.read_until_prompt()[-1]
    code, rest = chat.finish()
    assert code == 0
    assert all("kind" in r for r in rest)
    return asked, reply


# ------------------------------------------------------------------------------ chat --json


def test_chat_json_asks_before_any_input_and_exits_at_end_of_input(chat_process: Any) -> None:
    chat = chat_process()
    first = chat.read_until_prompt()  # stdin is open and empty: nothing has been sent
    question = first[-1]
    assert question["kind"] == "question"
    assert all(r["kind"] == "notice" for r in first[:-1])  # a greeting at most
    assert question["question_id"] == "use_case"
    assert question["text"]
    assert [c["value"] for c in question["choices"]] == [
        "customer_service", "content_generation", "code_generation", "document_analysis",
        "other"]
    assert all(c["label"] for c in question["choices"])
    code, rest = chat.finish()
    assert code == 0
    assert rest == []


def test_chat_json_full_conversation_ends_in_a_recommendation(chat_process: Any) -> None:
    asked, reply = converse(chat_process(), ANSWERS)

    # Rule 9: with four answers for fine-tuning, accuracy can no longer change the card, so
    # it is not asked; the card lists it, and every other question it was made without.
    assert asked[:6] == ["use_case", "has_data", "examples", "priority", "budget",
                         "uniqueness"]
    assert "accuracy" not in asked
    assert reply["kind"] == "recommendation"
    rec = reply["recommendation"]
    for field in ("approach", "method", "hybrids", "start_stage", "roadmap", "reasons", "costs",
                  "data_needed"):
        assert field in rec
    assert rec["approach"] == "fine_tuning"
    assert rec["method"] in ("standard", "lora", "qlora", "hosted")
    assert [s["stage"] for s in rec["roadmap"]] == [1, 2, 3, 4]
    assert all(s["title"] and s["steps"] for s in rec["roadmap"])
    assert 1 <= rec["start_stage"] <= 4
    # Each way of answering was understood: the card's reasons carry the values given.
    given = {(r["slot"], r["value"]) for r in rec["reasons"]}
    assert {("priority", "consistency"), ("budget", "medium"),
            ("uniqueness", "specialized")} <= given
    assert "accuracy" in {n["slot"] for n in rec["not_asked"]}
    assert all(r["text"] for r in rec["reasons"])


def test_chat_json_recommendation_keeps_null_fields_of_the_contract(chat_process: Any) -> None:
    # No data: prompt engineering, whose method is null. The contract lists `method` and each
    # stage's "what moves you on" (null on the last stage), so they are present, not dropped.
    answers = {**ANSWERS, "has_data": ("value", "no"), "priority": ("value", "speed"),
               "budget": ("value", "low"), "uniqueness": ("value", "common"),
               "accuracy": ("value", "acceptable"), "timeline": ("value", "today")}
    asked, reply = converse(chat_process(), answers)
    assert "examples" not in asked  # no data: no example count
    assert reply["kind"] == "recommendation"
    rec = reply["recommendation"]
    assert rec["approach"] == "prompt_engineering"
    assert "method" in rec and rec["method"] is None
    assert rec["hybrids"] == [] or all(isinstance(h, str) for h in rec["hybrids"])
    assert all("next" in stage for stage in rec["roadmap"])
    assert rec["roadmap"][-1]["next"] is None
    assert rec["start_stage"] == 1


def test_chat_json_junk_lines_are_not_taken_as_answers(tmp_path: Path) -> None:
    junk = ["", "   ", "🙂🚀", "-5", "1e9999", "'; DROP TABLE users; --", "\x00\x07\x1b[2J",
            "x" * 100_000]
    result = run_cli(["chat", "--json"], tmp_path, stdin="\n".join([*junk, "1"]) + "\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    replies = json_lines(result.stdout)
    questions = [r["question_id"] for r in replies if r["kind"] == "question"]
    # Asked first, re-asked after each junk line, and only the final "1" answered it.
    assert questions == ["use_case"] * (1 + len(junk)) + ["has_data"]
    assert sum(r["kind"] == "error" for r in replies) == len(junk)


def test_chat_json_stdout_stays_json_for_any_bytes(tmp_path: Path) -> None:
    # Redis protocol text (CRLF-separated: several lines), bad UTF-8, a lone CR, NUL bytes.
    stdin = (b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n\xff\xfe caf\xe9\n"
             b"a\rb\n\x00\x00\nhelp\n")
    result = subprocess.run([sys.executable, "-m", "bot", "chat", "--json"], input=stdin,
                            capture_output=True, cwd=tmp_path, env=cli_env(),
                            timeout=READ_TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr
    replies = json_lines(result.stdout.decode("utf-8"))
    assert replies[-1]["kind"] in ("answer", "question", "notice")
    assert not any(r["kind"] == "error" and "went wrong" in r["text"] for r in replies)


def test_chat_json_resumes_the_pending_question_from_redis(tmp_path: Path, redis_url: str
                                                           ) -> None:
    first = run_cli(["chat", "--json", "--session", "alice"], tmp_path,
                    stdin="1\nyes\n5000\n", REDIS_URL=redis_url)
    assert first.returncode == 0, first.stderr
    asked = [r["question_id"] for r in json_lines(first.stdout) if r["kind"] == "question"]
    assert asked == ["use_case", "has_data", "examples", "priority"]

    # A new process: nothing in memory, only Redis remembers.
    second = run_cli(["chat", "--json", "--session", "alice"], tmp_path, stdin="",
                     REDIS_URL=redis_url)
    assert second.returncode == 0, second.stderr
    replies = json_lines(second.stdout)
    assert replies[0]["kind"] == "question"
    assert replies[0]["question_id"] == "priority"

    # Another session name is another conversation.
    other = run_cli(["chat", "--json", "--session", "bob"], tmp_path, stdin="",
                    REDIS_URL=redis_url)
    assert json_lines(other.stdout)[-1]["question_id"] == "use_case"


def test_chat_json_stops_quietly_when_the_reader_goes_away(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "bot", "chat", "--json"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=tmp_path, env=cli_env())
    assert proc.stdout is not None and proc.stdin is not None and proc.stderr is not None
    json.loads(proc.stdout.readline())
    proc.stdout.close()  # like `| head -1` (the CLI library turns EPIPE into a quiet exit 1)
    try:
        proc.stdin.write(b"help\n" * 200)
        proc.stdin.close()
    except BrokenPipeError:
        pass  # it already stopped reading: fine
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=READ_TIMEOUT) != 0
    assert "Traceback" not in err


def test_chat_json_with_redis_down_says_so_in_json_and_exits_cleanly(tmp_path: Path) -> None:
    result = run_cli(["chat", "--json"], tmp_path, stdin="1\n",
                     REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
                     REDIS_TIMEOUT_SECONDS="0.2")
    assert result.returncode == 0
    assert "Traceback" not in result.stderr
    replies = json_lines(result.stdout)
    assert [r["kind"] for r in replies] == ["error", "error"]  # the start, then the line


def test_chat_json_without_redis_starts_fresh_each_process(tmp_path: Path) -> None:
    run_cli(["chat", "--json", "--session", "s"], tmp_path, stdin="1\nyes\n")
    again = run_cli(["chat", "--json", "--session", "s"], tmp_path, stdin="")
    assert json_lines(again.stdout)[-1]["question_id"] == "use_case"


def test_chat_rejects_a_bad_session_name(tmp_path: Path) -> None:
    result = run_cli(["chat", "--json", "--session", ""], tmp_path)
    assert result.returncode == 2
    assert "--session" in result.stderr
    assert result.stdout == ""


# ------------------------------------------------------------------------------ recommend


def recommend_json(tmp_path: Path, *flags: str) -> dict[str, Any]:
    result = run_cli(["recommend", *flags, "--json"], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    rec = json.loads(lines[0])
    assert isinstance(rec, dict)
    return rec


def test_recommend_json_no_data_is_prompt_engineering(tmp_path: Path) -> None:
    rec = recommend_json(tmp_path, "--has-data", "no")
    assert rec["approach"] == "prompt_engineering"
    assert rec["method"] is None
    assert rec["start_stage"] == 1
    for field in ("hybrids", "roadmap", "reasons", "costs", "data_needed"):
        assert field in rec


def test_recommend_json_5000_examples_consistency_medium_budget_is_fine_tuning(tmp_path: Path
                                                                             ) -> None:
    rec = recommend_json(tmp_path, "--has-data", "yes", "--examples", "5000",
                         "--priority", "consistency", "--budget", "medium")
    assert rec["approach"] == "fine_tuning"
    assert rec["method"] in ("standard", "lora", "qlora", "hosted")
    assert {(r["slot"], r["value"]) for r in rec["reasons"]} >= {
        ("priority", "consistency"), ("budget", "medium")}


def test_recommend_json_millions_high_budget_novel_architecture_is_scratch(tmp_path: Path
                                                                         ) -> None:
    # Rules version 2: scratch also needs a timeline of this quarter.
    rec = recommend_json(tmp_path, "--has-data", "yes", "--examples", "2,000,000",
                         "--budget", "high", "--priority", "novel_architecture",
                         "--timeline", "quarter")
    assert rec["approach"] == "training_from_scratch"


def test_recommend_json_millions_without_the_budget_is_not_scratch(tmp_path: Path) -> None:
    rec = recommend_json(tmp_path, "--has-data", "yes", "--examples", "2000000",
                         "--budget", "medium", "--priority", "novel_architecture")
    assert rec["approach"] == "fine_tuning"


def test_recommend_model_size_fits_the_method_to_the_hardware(tmp_path: Path) -> None:
    flags = ["--has-data", "yes", "--examples", "5000", "--priority", "consistency",
             "--accuracy", "perfect", "--budget", "high", "--hardware", "datacenter_gpu"]
    assert recommend_json(tmp_path, *flags, "--model-size", "7")["method"] == "standard"
    big = recommend_json(tmp_path, *flags, "--model-size", "70B")
    assert big["method"] == "lora"
    assert any("70B" in line for line in big["assumptions"])


def test_recommend_json_has_the_version_2_contract_fields(tmp_path: Path) -> None:
    rec = recommend_json(tmp_path, "--has-data", "yes", "--examples", "2000", "--priority",
                         "consistency", "--hardware", "api_only")
    assert rec["method"] == "hosted"
    # Every question not given is listed, with why (rule 9); the given ones are not.
    assert {n["slot"] for n in rec["not_asked"]} == {
        "use_case", "budget", "uniqueness", "accuracy", "timeline", "knowledge_updates",
        "data_quality", "monthly_tokens", "explainability", "model_size"}
    assert all(n["text"] for n in rec["not_asked"])
    assert rec["what_would_change"]
    for change in rec["what_would_change"]:
        assert set(change) == {"slot", "value", "approach", "method", "text"}


def test_recommend_missing_answers_are_unknown_not_defaults(tmp_path: Path) -> None:
    rec = recommend_json(tmp_path, "--has-data", "yes", "--examples", "5000")
    assert {r["slot"] for r in rec["reasons"]} <= {"has_data", "examples"}


def test_recommend_json_says_what_it_was_made_without(tmp_path: Path) -> None:
    rec = recommend_json(tmp_path, "--has-data", "no", "--budget", "low")
    not_asked = {n["slot"]: n["text"] for n in rec["not_asked"]}
    assert "has_data" not in not_asked and "budget" not in not_asked
    priority = KB.question("priority").short_label
    accuracy = KB.question("accuracy").short_label
    # With no data, no priority moves the card; accuracy still could (an ensemble), had the
    # budget been high, but not with a low one: both cannot change it.
    assert not_asked["priority"] == KB.message("not_asked_cannot_change", label=priority)
    assert not_asked["accuracy"] == KB.message("not_asked_cannot_change", label=accuracy)
    # What could still change it is stated as an assumption.
    explain = KB.question("explainability").short_label
    assert not_asked["explainability"] == KB.message("not_asked_assumed", label=explain)


def test_recommend_without_json_draws_the_card(tmp_path: Path) -> None:
    result = run_cli(["recommend", "--has-data", "yes", "--examples", "5000",
                      "--priority", "consistency", "--budget", "medium"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert KB.surfaces.label("start_here_inline") in result.stdout
    assert "Roadmap" in result.stdout
    assert "Why" in result.stdout


@pytest.mark.parametrize(("flags", "flag", "allowed"), [
    (["--budget", "huge"], "--budget", ["low", "medium", "high"]),
    (["--has-data", "maybe"], "--has-data", ["yes", "no"]),
    (["--priority", "Speed"], "--priority", ["speed", "consistency", "novel_architecture"]),
    (["--hardware", "tpu"], "--hardware", ["api_only", "consumer_gpu", "datacenter_gpu"]),
    (["--examples", "-5"], "--examples", ["whole number"]),
    (["--examples", "1e9999"], "--examples", ["whole number"]),
    (["--examples", "lots"], "--examples", ["whole number"]),
    (["--monthly-tokens", "99999999999999999999"], "--monthly-tokens", ["whole number"]),
    (["--model-size", "huge"], "--model-size", ["billions of parameters"]),
    (["--model-size", "0"], "--model-size", ["billions of parameters"]),
    # Two answers that contradict each other: said, never one silently dropped.
    (["--has-data", "no", "--examples", "5000"], "--examples", ["contradict", "5,000"]),
])
def test_recommend_bad_flag_value_is_a_friendly_usage_error(
        tmp_path: Path, flags: list[str], flag: str, allowed: list[str]) -> None:
    result = run_cli(["recommend", *flags, "--json"], tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert flag in result.stderr
    for value in allowed:
        assert value in result.stderr


def test_bad_settings_are_reported_without_a_traceback(tmp_path: Path) -> None:
    result = run_cli(["recommend", "--json"], tmp_path, REDIS_URL="http://nope")
    assert result.returncode == 1
    assert "REDIS_URL" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_recommend_format_markdown_prints_the_decision_record(tmp_path: Path) -> None:
    result = run_cli(["recommend", "--has-data", "yes", "--examples", "5000",
                      "--priority", "consistency", "--monthly-tokens", "20000000",
                      "--format", "markdown"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Decision record: Fine-Tuning")
    assert "## What would change it" in result.stdout
    assert "- [ ] " in result.stdout


def test_recommend_text_shows_the_cost_chart_at_the_persons_volume(tmp_path: Path) -> None:
    result = run_cli(["recommend", "--has-data", "yes", "--examples", "5000",
                      "--monthly-tokens", "20000000"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Monthly cost at your volume (20M a month)" in result.stdout
    assert "█" in result.stdout


def test_recommend_bad_format_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli(["recommend", "--format", "pdf"], tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert "markdown" in result.stderr
