"""The Teams bot: activities in, neutral events to the runner, Adaptive Cards out.

Translation only. What to ask and what to advise is the core's business (dialogs/); this
module decides who is speaking (keys.py), what they did (typed text or a card button), and
how the core's replies reach them (cards.py, in place where a card can be updated).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any, get_args

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.schema import Activity, ChannelAccount
from pydantic import ValidationError

from bot.adapters.teams.cards import CardRenderer, RenderedCard, accepted_answers
from bot.adapters.teams.keys import conversation_key
from bot.logging_setup import log_failure
from bot.turns import TurnHandler
from dialogs.bounded_cache import BoundedCache
from dialogs.events import Command, Event
from dialogs.replies import Notice, Reply

log = logging.getLogger(__name__)

COMMANDS: frozenset[str] = frozenset(get_args(Command))
# In these the bot hears every message but answers only when @mentioned.
GROUP_CONVERSATIONS = frozenset({"channel", "groupchat"})
MAX_SUBMIT_FIELD = 200
MAX_EVENT_ID = 256  # Event.event_id's limit


def is_group(activity: Activity) -> bool:
    conversation = activity.conversation
    kind = (conversation.conversation_type or "") if conversation is not None else ""
    return kind.lower() in GROUP_CONVERSATIONS


def mentions_bot(activity: Activity) -> bool:
    bot_id = activity.recipient.id if activity.recipient is not None else None
    if not bot_id:
        return False
    for mention in TurnContext.get_mentions(activity):
        mentioned = (mention.additional_properties or {}).get("mentioned")
        if isinstance(mentioned, dict) and mentioned.get("id") == bot_id:
            return True
    return False


def event_id(activity: Activity) -> str | None:
    """The activity id, the runner's dedup key (a redelivery carries the same id).

    Teams ids are short; an oversized one is hashed rather than refused, so it still dedups.
    """
    if not activity.id:
        return None
    if len(activity.id) <= MAX_EVENT_ID:
        return activity.id
    return "sha256:" + hashlib.sha256(activity.id.encode()).hexdigest()


# What our cards put in a submit's fields: slot names, canonical values, numbers, topic ids.
# Anything else was not sent by one of our cards (tampered data) and is never passed on, so a
# URL or a bidi override in it cannot be echoed back into a card ("not one of the options").
_SUBMIT_TOKEN = re.compile(r"[A-Za-z0-9_:\-]+")


def _field(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if isinstance(value, str) and 0 < len(value) <= MAX_SUBMIT_FIELD \
            and _SUBMIT_TOKEN.fullmatch(value):
        return value
    return None


def event_from_submit(conversation: str, data: Any, event_id: str | None) -> Event:
    """The event for an Action.Submit's data; anything unrecognised asks for help.

    Card data comes back from the client and may have been tampered with, so it is checked
    here and again by the core (which validates the value against the question and the state
    version against the stored state).
    """
    kw: dict[str, Any] = {"event_id": event_id}
    if isinstance(data, dict):
        question_id, value = _field(data, "question_id"), _field(data, "value")
        version = data.get("state_version")
        if isinstance(version, bool) or not isinstance(version, int):
            version = None
        command = _field(data, "command")
        try:
            if question_id is not None and value is not None:
                return Event.choice(conversation, question_id, value, state_version=version,
                                    **kw)
            if command in COMMANDS:
                return Event.cmd(conversation, command, _field(data, "value"),  # type: ignore[arg-type]
                                 **kw)
        except ValidationError:
            pass
    return Event.cmd(conversation, "help", **kw)


# Conversations whose last question card is remembered (see TeamsAdvisorBot._open_cards).
OPEN_CARDS_MAX = 10_000


class TeamsAdvisorBot(ActivityHandler):
    def __init__(self, runner: TurnHandler, renderer: CardRenderer,
                 pictures: Any | None = None) -> None:
        self._runner = runner
        self._renderer = renderer
        self._pictures = pictures  # bot.pictures.http.Pictures: draws off the event loop
        # Each conversation's last question card (its activity id), so that an answer typed
        # instead of pressed still collapses it: no old button left to press by mistake. Kept
        # in this process, bounded; where missing, a press on it gets the out-of-date notice.
        self._open_cards: BoundedCache[str, str] = BoundedCache(OPEN_CARDS_MAX)

    async def on_members_added_activity(self, members_added: list[ChannelAccount],
                                        turn_context: TurnContext) -> None:
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient is not None else None
        bot_added = any(m.id == bot_id for m in members_added)
        person_added = any(m.id != bot_id for m in members_added)
        # The bot added anywhere: say hello once. A person joining a team or group chat the
        # bot is already in: stay quiet (a welcome per new colleague would be noise).
        if bot_added or (person_added and not is_group(activity)):
            await turn_context.send_activity(self._renderer.welcome().activity())

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        conversation = conversation_key(activity)
        if conversation is None:
            log.warning("Teams message without a sender ignored",
                        extra={"activity_id": activity.id})
            return
        submitted = activity.value is not None
        if submitted:
            event = event_from_submit(conversation, activity.value, event_id(activity))
        else:
            if is_group(activity):
                if not mentions_bot(activity):
                    return  # channel chatter not addressed to us
                TurnContext.remove_recipient_mention(activity)
            event = Event.typed(conversation, (activity.text or "").strip(),
                                event_id=event_id(activity))

        result = await self._runner.handle(event)
        if result.outcome == "duplicate":
            return  # a redelivery: the first delivery already answered
        # A card's button was pressed: that card (activity.reply_to_id) can be updated. Typed,
        # the answer is to the last question card.
        open_card = self._open_cards.pop(conversation)
        card_id = activity.reply_to_id if submitted else open_card
        pressed = None
        if submitted and event.kind == "command" and event.command in ("back", "now"):
            pressed = self._renderer.command_label(event.command)
        sent = await self._reply(turn_context, result.replies, card_id,
                                 replace=event.kind == "command" and event.command == "start",
                                 pressed=pressed)
        if sent is not None:
            self._open_cards.put(conversation, sent)

    async def _reply(self, turn_context: TurnContext, replies: Sequence[Reply],
                     card_id: str | None, *, replace: bool = False,
                     pressed: str | None = None) -> str | None:
        """Send the replies; after a button press or a typed answer, update the question card
        in place. Returns the activity id of the question card sent, if any.

        An accepted answer collapses its question card to one line; so does Back or "just
        tell me now" pressed on it. Start, pressed on the welcome card, turns that card into
        the first question (the welcome rides on it).
        """
        if card_id:
            accepted, rest = accepted_answers(replies)
            # Only an accepted answer collapses the card; a stale or refused click leaves it.
            if accepted and await self._update(turn_context, card_id,
                                               self._renderer.answered(accepted)):
                replies = rest
            elif not accepted and pressed:
                await self._update(turn_context, card_id,
                                   self._renderer.answered([Notice(text=pressed)]))
        if self._pictures is not None and not self._pictures.links.base_url:
            # Carried in the card: drawn now, off the event loop (linked ones Teams fetches).
            await self._pictures.prepare(list(replies), "png", "small")
        cards = self._renderer.render(replies)
        question_id = None
        if card_id and replace and cards and await self._update(turn_context, card_id, cards[0]):
            if cards[0].question_id:
                question_id = card_id
            cards = cards[1:]
        if cards:
            sent = await turn_context.send_activities([card.activity() for card in cards])
            for card, response in zip(cards, sent or [], strict=False):
                if card.question_id and response is not None and response.id:
                    question_id = response.id
        return question_id

    @staticmethod
    async def _update(turn_context: TurnContext, card_id: str, card: RenderedCard) -> bool:
        try:
            await turn_context.update_activity(card.activity(card_id))
        except Exception as error:
            # The card may be too old or deleted; the answer is still shown with the next card.
            log_failure(log, "could not update the answered card", error, expected=True,
                        activity_id=card_id)
            return False
        return True

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        # This bot uses Action.Submit (message activities), so no invoke carries meaning for
        # it. Acknowledge rather than answer 501, which Teams shows as an error.
        return InvokeResponse(status=HTTPStatus.OK)
