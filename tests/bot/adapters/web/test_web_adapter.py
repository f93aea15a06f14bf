"""The web adapter over real HTTP on loopback: the page, its cookie, and POST /web/turn."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.adapters.web.adapter import MAX_BODY_BYTES
from bot.adapters.web.session import COOKIE_NAME, CookieSigner
from bot.server import build_app
from bot.settings import Settings
from bot.store.memory import MemoryStore
from dialogs.replies import Question, reply_json
from dialogs.view import question_view, view_json
from knowledge import default_knowledge

KB = default_knowledge()


def _settings(**kw: object) -> Settings:
    return Settings(_env_file=None, **kw)  # type: ignore[call-arg]


async def _client(settings: Settings) -> TestClient:
    client = TestClient(TestServer(build_app(settings, store=MemoryStore())))
    await client.start_server()
    return client


@pytest.fixture
async def client() -> AsyncIterator[TestClient]:
    c = await _client(_settings(web_cookie_secret="test-secret"))
    yield c
    await c.close()


async def _turn(client: TestClient, body: object) -> list[dict]:
    response = await client.post("/web/turn", json=body)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_page_and_assets_are_local(client: TestClient) -> None:
    page = await client.get("/")
    assert page.status == 200
    html = await page.text()
    assert "/web/static/app.js" in html and "/web/static/app.css" in html
    assert "http://" not in html and "https://" not in html  # no CDN
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    for name, kind in (("app.js", "javascript"), ("app.css", "text/css")):
        asset = await client.get(f"/web/static/{name}")
        assert asset.status == 200 and kind in asset.headers["Content-Type"]
        text = await asset.text()
        assert "http://" not in text and "https://" not in text
    assert "innerHTML" not in await (await client.get("/web/static/app.js")).text()
    assert (await client.get("/web/static/../adapter.py")).status in (403, 404)


async def test_cookie_keeps_one_conversation(client: TestClient) -> None:
    replies = await _turn(client, {"command": "start"})
    question = replies[-1]
    assert question["kind"] == "question" and question["question_id"] == "use_case"
    assert client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE_NAME]
    replies = await _turn(client, {"question_id": "use_case", "value": "code_generation",
                                   "state_version": question["state_version"]})
    assert replies[0]["kind"] == "notice" and replies[0]["value"] == "code_generation"
    assert replies[-1]["question_id"] == "has_data"
    # The same browser comes back: the pending question is asked again, not the first one.
    again = await _turn(client, {"command": "start"})
    assert again[-1]["question_id"] == "has_data"


async def test_forged_cookie_starts_a_new_conversation(client: TestClient) -> None:
    first = await _turn(client, {"command": "start"})
    await _turn(client, {"question_id": "use_case", "value": "code_generation",
                         "state_version": first[-1]["state_version"]})
    jar = client.session.cookie_jar
    genuine = jar.filter_cookies(client.make_url("/"))[COOKIE_NAME].value
    session_id, _, signature = genuine.rpartition(".")
    forged = f"{session_id}.{'0' * len(signature)}"
    jar.clear()
    response = await client.post("/web/turn", json={"command": "start"},
                                 cookies={COOKIE_NAME: forged})
    replies = await response.json()
    assert replies[-1]["question_id"] == "use_case"  # not the owner's has_data
    assert response.cookies[COOKIE_NAME].value != forged


def test_signer_rejects_other_secrets_and_junk() -> None:
    ours, theirs = CookieSigner("a"), CookieSigner("b")
    session_id, cookie = ours.new()
    assert ours.verify(cookie) == session_id
    assert theirs.verify(cookie) is None
    for junk in (None, "", ".", "abc", "x" * 500, "é.é", f"{session_id}."):
        assert ours.verify(junk) is None


@pytest.mark.parametrize("body, status, message", [
    ({"text": "   "}, 400, "empty_input"),
    ({"command": "format_disk"}, 400, "request_not_a_turn"),
    ({"question_id": "budget", "value": 3}, 400, "request_bad_choice"),
    ({"command": "help", "value": 3}, 400, "request_bad_command_value"),
    ({"nothing": 1}, 400, "request_no_turn"),
    ([1, 2], 400, "request_not_object"),
])
async def test_bad_turns_get_a_friendly_error_in_the_knowledges_words(
        client: TestClient, body: object, status: int, message: str) -> None:
    response = await client.post("/web/turn", json=body)
    assert response.status == status
    replies = await response.json()
    assert replies == [{"kind": "error", "text": KB.message(message)}]


async def test_not_json_too_large_and_wrong_type(client: TestClient) -> None:
    response = await client.post("/web/turn", data=b"{not json",
                                 headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert (await response.json())[0]["text"] == KB.message("request_bad_json")
    big = b'{"text": "' + b"a" * MAX_BODY_BYTES + b'"}'
    response = await client.post("/web/turn", data=big,
                                 headers={"Content-Type": "application/json"})
    assert response.status == 413
    assert (await response.json())[0]["text"] == KB.message("request_too_large")
    response = await client.post("/web/turn", data="text=hi",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 415
    assert (await response.json())[0]["text"] == KB.message("request_not_json")


async def test_follow_up_answer_after_a_recommendation(client: TestClient) -> None:
    replies = await _turn(client, {"command": "start"})
    for _ in range(20):
        question = replies[-1]
        if question["kind"] != "question":
            break
        if question.get("choices"):
            body = {"question_id": question["question_id"],
                    "value": question["choices"][0]["value"],
                    "state_version": question["state_version"]}
        else:
            body = {"text": "2000" if question["question_id"] == "examples" else "1M"}
        replies = await _turn(client, body)
    assert any(r["kind"] == "recommendation" for r in replies)
    answer = await _turn(client, {"text": "what about QLoRA?"})
    assert answer[-1]["kind"] == "answer" and answer[-1]["topic"] == "qlora"


async def test_web_can_be_turned_off() -> None:
    c = await _client(_settings(web_enabled=False))
    try:
        assert (await c.get("/")).status == 404
        assert (await c.post("/web/turn", json={"command": "start"})).status in (404, 405)
        assert (await c.get("/healthz")).status == 200
    finally:
        await c.close()


async def test_each_reply_is_the_json_lines_object_plus_its_view(client: TestClient) -> None:
    """The page gets what `chat --json` prints, unchanged, with the view it draws beside it."""
    replies = await _turn(client, {"command": "start"})
    question = replies[-1]
    view = question.pop("view")
    kb = default_knowledge()
    from_core = Question.model_validate(question)
    assert reply_json(from_core) == question  # nothing renamed, nothing dropped
    assert view == json.loads(json.dumps(view_json(question_view(from_core, kb))))
    assert view["headings"] == [question["text"]] and view["progress"] == question["progress"]
    notices = await _turn(client, {"command": "help"})
    assert all("view" not in reply for reply in notices if reply["kind"] == "notice")
