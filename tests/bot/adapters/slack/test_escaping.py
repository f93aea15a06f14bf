"""Text a person typed, echoed into mrkdwn, never pings anyone: `&`, `<` and `>` are escaped
in every block and in the plain-text fallback."""

from __future__ import annotations

import json

from dialogs.events import Event
from dialogs.machine import StepResult
from dialogs.replies import Answer, Choice, Notice, Question, Table
from dialogs.state import ConversationState
from knowledge.models import Knowledge
from tests.bot.adapters.slack.conftest import MakeApp, SlackApp
from testsupport import slack_requests as req
from testsupport.blockkit import assert_valid_message, texts_of

# What Slack sends when a person writes @channel, @here and mentions a user.
PINGS = "<!channel> <!here> <@U0BOSS> & <https://evil.example|click>"
RAW = ("<!channel>", "<!here>", "<@U0BOSS>", "<https://evil.example")


def echo_step(state: ConversationState, event: Event, kb: Knowledge) -> StepResult:
    """A core that quotes the person back in every kind of reply it has."""
    said = event.text
    return StepResult(state=state.model_copy(deep=True), replies=[
        Notice(text=f"You said: {said}"),
        Notice(text=f"Budget: {said}", slot="budget", value="low"),
        Answer(topic="comparison", text=f"About {said}",
               table=Table(columns=[said, "b"], rows=[[said, said]]),
               choices=[Choice(value="rag", label=said)]),
        Question(question_id="budget", text=f"Really {said}?", hint=said,
                 choices=[Choice(value="low", label=said)]),
    ])


def assert_no_pings(payload: dict[str, object]) -> None:
    dumped = json.dumps(payload)
    for raw in RAW:
        assert raw not in dumped, raw


async def test_echoed_text_is_escaped_everywhere(make_slack_app: MakeApp) -> None:
    app = await make_slack_app(step=echo_step)
    await app.event(req.dm_event(PINGS))
    posted = (await app.api.wait_calls("chat.postMessage"))[0]
    assert_valid_message(posted)
    assert_no_pings(posted)
    assert "&lt;!channel&gt;" in posted["text"]
    shown = texts_of(posted)
    assert "You said: &lt;!channel&gt; &lt;!here&gt; &lt;@U0BOSS&gt; &amp;" in shown
    assert "✓ Budget: &lt;!channel&gt;" in shown
    # Button labels (plain text) are escaped too: Slack shows them as typed.
    assert any(b["type"] == "actions" for b in posted["blocks"])


async def test_echoed_text_on_the_slash_command_is_escaped(make_slack_app: MakeApp) -> None:
    app = await make_slack_app(step=echo_step)
    await app.command(PINGS.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    told = await app.api.wait_calls("response_url")
    for payload in told:
        assert_no_pings(payload)
        assert "&lt;!channel&gt;" in payload["text"]


async def test_the_real_core_never_lets_a_ping_through(slack_app: SlackApp) -> None:
    await slack_app.command(f"{PINGS} we have 5k examples")
    await slack_app.event(req.dm_event(f"{PINGS} budget is tight"))
    await slack_app.event(req.mention_event(f"{PINGS} what about QLoRA?", user="U2",
                                            channel="C9"))
    await slack_app.api.wait_calls("response_url")
    await slack_app.api.wait_for(lambda a: len(a.to("chat.postMessage")) >= 2)
    for payload in slack_app.api.to("response_url") + slack_app.api.to("chat.postMessage"):
        assert_valid_message(payload)
        assert_no_pings(payload)
