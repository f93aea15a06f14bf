"""The `which-approach` command (also `python -m bot`): chat, recommend, serve.

docs/architecture.md's CLI contract is checked by outside tools exactly: `chat --json` writes reply
objects and nothing else to stdout, `recommend --json` one recommendation object, and a bad
flag is a usage error (exit 2) with a message naming the flag and its allowed values.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path
from typing import Annotated, NoReturn, TextIO

import typer
from pydantic_settings import BaseSettings, SettingsConfigDict
from rich.console import Console

from bot.logging_setup import setup_logging
from bot.settings import Settings, SettingsError, load_settings
from dialogs.slots import MAX_COUNT, MAX_MODEL_SIZE_B, Slots, slot_values
from knowledge.models import Knowledge

# Plain (not rich-boxed) usage errors: one greppable line per problem for scripts and people.
app = typer.Typer(
    name="which-approach",
    help="Advisor: prompt engineering, fine-tuning or training from scratch?",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

EXIT_CONFIG = 1  # settings or knowledge files are wrong (usage errors exit 2, as click does)
EXIT_INTERRUPTED = 130


def _fail(message: str, code: int = EXIT_CONFIG) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        _fail(str(error))


def _terminal_log_level(settings: Settings) -> str:
    # A person's terminal is no place for info lines; DEBUG is an explicit request, honoured.
    if settings.log_level in ("DEBUG", "ERROR", "CRITICAL"):
        return settings.log_level
    return "WARNING"


def _knowledge(settings: Settings) -> Knowledge:
    from knowledge import KnowledgeError, default_knowledge, load_knowledge

    try:
        if settings.knowledge_path is not None:
            return load_knowledge(settings.knowledge_path)
        return default_knowledge()
    except KnowledgeError as error:
        _fail(f"Cannot load the knowledge files:\n{error}")


# ---------------------------------------------------------------------------------- chat


@app.command()
def chat(
    as_json: Annotated[bool, typer.Option(
        "--json", help="JSON Lines: one message per stdin line, one reply object per "
                       "stdout line.")] = False,
    session: Annotated[str, typer.Option(
        "--session", metavar="NAME",
        help="Name of the conversation; with REDIS_URL set it resumes after a restart.",
    )] = "default",
) -> None:
    """A conversation in the terminal."""
    if not session.strip() or len(session) > 200 or not session.isprintable():
        raise typer.BadParameter("must be 1 to 200 printable characters",
                                 param_hint="'--session'")
    settings = _settings()
    setup_logging(_terminal_log_level(settings))
    kb = _knowledge(settings)
    if as_json:
        _chat_json(settings, kb, session)
    else:
        _chat_interactive(settings, kb, session)


def _chat_json(settings: Settings, kb: Knowledge, session: str) -> None:
    out = sys.stdout
    if hasattr(out, "reconfigure"):
        out.reconfigure(encoding="utf-8")
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(encoding="utf-8", errors="replace")
    # Whatever else prints (a library, a stray print) goes to stderr: stdout is the contract.
    sys.stdout = sys.stderr
    try:
        asyncio.run(_run_chat(settings, kb, session, json_out=out))
    except KeyboardInterrupt:
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        sys.stdout = out


def _chat_interactive(settings: Settings, kb: Knowledge, session: str) -> None:
    try:
        asyncio.run(_run_chat(settings, kb, session, json_out=None))
    except KeyboardInterrupt:
        typer.echo("", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None


async def _run_chat(settings: Settings, kb: Knowledge, session: str, *,
                    json_out: TextIO | None) -> None:
    from bot.adapters.terminal.chat import conversation_key, run_interactive_chat, run_json_chat
    from bot.runner import TurnRunner
    from bot.store import make_store

    store = make_store(settings)
    try:
        runner = TurnRunner(store, kb)
        key = conversation_key(session)
        if json_out is not None:
            await run_json_chat(runner, key, sys.stdin, json_out)
        else:
            await run_interactive_chat(runner, key, Console(), kb)
    finally:
        await store.close()


# ----------------------------------------------------------------------------- recommend

_COUNT = re.compile(r"\d+|\d{1,3}(?:[,_]\d{3})+")


def _enum_flag(slot: str):  # type: ignore[no-untyped-def]
    allowed = slot_values(slot)

    def check(value: str | None) -> str | None:
        if value is not None and value not in allowed:
            raise typer.BadParameter(f"{value!r} is not one of: {', '.join(allowed)}")
        return value

    return check


def _count(flag: str, value: str | None) -> int | None:
    """A count flag: digits, optionally grouped ("2,000", "2_000"). Parsed here rather than
    by the option type so that "-5" or "1e9999" gets the same plain message as any typo."""
    if value is None:
        return None
    text = value.strip()
    number = int(re.sub(r"[,_]", "", text)) if _COUNT.fullmatch(text) else -1
    if not 0 <= number <= MAX_COUNT:
        raise typer.BadParameter(f"{value!r} is not a whole number from 0 to {MAX_COUNT}",
                                 param_hint=f"'{flag}'")
    return number


_MODEL_SIZE = re.compile(r"(\d{1,6})\s*b?", re.IGNORECASE)


def _model_size(value: str | None) -> int | None:
    """--model-size: billions of parameters, "7", "13B" or "70b"."""
    if value is None:
        return None
    m = _MODEL_SIZE.fullmatch(value.strip())
    number = int(m.group(1)) if m else 0
    if not 1 <= number <= MAX_MODEL_SIZE_B:
        raise typer.BadParameter(
            f"{value!r} is not a model size in billions of parameters, from 1 to "
            f"{MAX_MODEL_SIZE_B:,} (e.g. 7 or 13B)", param_hint="'--model-size'")
    return number


def _choice_option(slot: str, help_text: str):  # type: ignore[no-untyped-def]
    flag = "--" + slot.replace("_", "-")
    return typer.Option(flag, callback=_enum_flag(slot),
                        metavar="[" + "|".join(slot_values(slot)) + "]", help=help_text)


def _count_option(slot: str, help_text: str):  # type: ignore[no-untyped-def]
    return typer.Option("--" + slot.replace("_", "-"), metavar="N", help=help_text)


OUTPUT_FORMATS = ("text", "markdown")


def _output_format(value: str) -> str:
    if value not in OUTPUT_FORMATS:
        raise typer.BadParameter(f"{value!r} is not one of: {', '.join(OUTPUT_FORMATS)}")
    return value


@app.command()
def recommend(
    use_case: Annotated[str | None, _choice_option("use_case", "What it is for.")] = None,
    has_data: Annotated[str | None, _choice_option(
        "has_data", "Do you have training examples?")] = None,
    examples: Annotated[str | None, _count_option(
        "examples", "How many examples do you have?")] = None,
    priority: Annotated[str | None, _choice_option(
        "priority", "What's most important?")] = None,
    budget: Annotated[str | None, _choice_option("budget", "What's your budget?")] = None,
    uniqueness: Annotated[str | None, _choice_option(
        "uniqueness", "How unique is the task?")] = None,
    accuracy: Annotated[str | None, _choice_option(
        "accuracy", "What accuracy do you need?")] = None,
    timeline: Annotated[str | None, _choice_option(
        "timeline", "How fast do you need results?")] = None,
    knowledge_updates: Annotated[str | None, _choice_option(
        "knowledge_updates", "How often the knowledge it needs changes.")] = None,
    hardware: Annotated[str | None, _choice_option(
        "hardware", "The hardware you can train on.")] = None,
    data_quality: Annotated[str | None, _choice_option(
        "data_quality", "How clean your examples are.")] = None,
    monthly_tokens: Annotated[str | None, _count_option(
        "monthly_tokens", "Tokens a month you expect to process.")] = None,
    explainability: Annotated[str | None, _choice_option(
        "explainability", "Must it show its reasoning?")] = None,
    model_size: Annotated[str | None, typer.Option(
        "--model-size", metavar="B",
        help="The model to fine-tune, in billions of parameters (7, 13B, 70b).")] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the recommendation as one JSON object.")] = False,
    output_format: Annotated[str, typer.Option(
        "--format", metavar="[text|markdown]", callback=_output_format,
        help="text: the card and a text cost chart; markdown: a decision record.")] = "text",
) -> None:
    """One recommendation from the given answers (a missing answer is unknown, not a default)."""
    answers = {
        "use_case": use_case, "has_data": has_data,
        "examples": _count("--examples", examples), "priority": priority, "budget": budget,
        "uniqueness": uniqueness, "accuracy": accuracy, "timeline": timeline,
        "knowledge_updates": knowledge_updates, "hardware": hardware,
        "data_quality": data_quality, "monthly_tokens": _count("--monthly-tokens", monthly_tokens),
        "explainability": explainability, "model_size": _model_size(model_size),
    }
    settings = _settings()
    setup_logging(_terminal_log_level(settings))
    kb = _knowledge(settings)
    if has_data == "no" and answers["examples"]:
        # Never silently drop one of two answers that contradict each other.
        raise typer.BadParameter(
            kb.say("contradiction_no_data_count", count=f"{answers['examples']:,}"),
            param_hint="'--has-data' / '--examples'")
    slots = Slots.model_validate(answers)
    from dialogs.compiled import compile_knowledge
    from dialogs.machine import card

    recommendation = card(slots, compile_knowledge(kb))
    if as_json:
        typer.echo(json.dumps(recommendation.model_dump(mode="json"), ensure_ascii=False))
        return
    if output_format == "markdown":
        from dialogs.decision_record import decision_record

        typer.echo(decision_record(recommendation, slots, kb), nl=False)
        return
    from bot.adapters.terminal.render import recommendation_renderable
    from bot.adapters.terminal.text_chart import cost_text_chart

    console = Console()
    console.print(recommendation_renderable(recommendation, kb))
    console.print(cost_text_chart(recommendation, slots, kb))


# --------------------------------------------------------------------------------- serve


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "0.0.0.0",
    port: Annotated[int | None, typer.Option(
        "--port", min=1, max=65535, help="Port (default: PORT, else 3978).")] = None,
) -> None:
    """The HTTP server: Slack, Teams, health, readiness and metrics endpoints."""
    settings = _settings()
    setup_logging(settings.log_level)
    kb = _knowledge(settings)
    from bot.server import run

    run(settings, host=host, port=port if port is not None else settings.port, kb=kb)


# ------------------------------------------------------------------------- teams-package


class _AppIdOnly(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", case_sensitive=False, extra="ignore")
    microsoft_app_id: str = ""


@app.command("teams-package")
def teams_package(
    out: Annotated[Path, typer.Option("--out", help="Zip path or an existing directory.")]
    = Path("."),
    app_id: Annotated[str | None, typer.Option(
        "--app-id", help="The bot's Microsoft app id (default: MICROSOFT_APP_ID).")] = None,
) -> None:
    """Write the Teams app package (manifest and icons) to upload, with the app id filled in."""
    # Only the app id: packaging must not insist on the password the full settings require.
    app_id = app_id or _AppIdOnly().microsoft_app_id
    if not app_id:
        _fail("Set MICROSOFT_APP_ID (or pass --app-id): the package names the bot by it.", 2)
    from bot.adapters.teams.package import write_package

    try:
        path = write_package(app_id, out)
    except (OSError, ValueError) as error:
        _fail(f"Cannot write the Teams package: {error}")
    typer.echo(str(path))


# ------------------------------------------------------------------------- erase-workspace

_PLATFORMS = ("slack", "teams")


@app.command("erase-workspace")
def erase_workspace(
    platform: Annotated[str, typer.Option(
        "--platform", help="slack or teams.")],
    workspace_id: Annotated[str, typer.Option(
        "--id", metavar="ID", help="The Slack team id (T...) or the Teams tenant id.")],
    yes: Annotated[bool, typer.Option(
        "--yes", help="Erase without asking for confirmation.")] = False,
) -> None:
    """Erase every conversation of one Slack workspace or Teams tenant from Redis (answers,
    history, dedup markers): for an admin leaving, or asked to forget a workspace."""
    if platform not in _PLATFORMS:
        _fail(f"--platform must be one of: {', '.join(_PLATFORMS)}", 2)
    workspace_id = workspace_id.strip()
    if not workspace_id or ":" in workspace_id:
        _fail("--id must be a workspace or tenant id", 2)
    settings = _settings()
    if not settings.redis_url:
        _fail("Set REDIS_URL: without it conversations live only inside each running process, "
              "and end with it.")
    # Teams keys hold the tenant in lower case (bot/adapters/teams/keys.py).
    workspace = f"{platform}:{workspace_id.lower() if platform == 'teams' else workspace_id}"
    if not yes and not typer.confirm(f"Erase every conversation of {workspace}?"):
        _fail("Nothing erased.")
    from bot.store import StoreUnavailable, make_store

    async def run() -> int:
        store = make_store(settings)
        try:
            return await store.erase_workspace(workspace)
        finally:
            await store.close()

    try:
        erased = asyncio.run(run())
    except StoreUnavailable as error:
        _fail(f"Redis is unreachable ({error}); nothing erased for sure: run it again.")
    typer.echo(f"Erased {erased} conversation(s) of {workspace}.")


def main() -> None:
    app(prog_name="which-approach")
