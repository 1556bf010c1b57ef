"""The local Slack server's Web API, driven by the real ``WebClient`` and by raw HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox.slack import LocalSlack


@pytest.fixture(scope="module")
def server() -> Iterator[LocalSlack]:
    with LocalSlack(channels=("general", "ops")) as slack:
        slack.add_user("U0ALICE", "alice", email="Alice@Example.test")
        yield slack


@pytest.fixture(scope="module")
def client(server: LocalSlack) -> WebClient:
    return WebClient(token="xoxb-local", base_url=server.api_url)


def error_of(call: object) -> str:
    with pytest.raises(SlackApiError) as info:
        call()  # type: ignore[operator]
    return str(info.value.response["error"])


def test_auth_and_tokens(server: LocalSlack, client: WebClient) -> None:
    assert client.auth_test()["user_id"] == server.state.bot_user_id
    no_token = httpx.post(server.api_url + "auth.test").json()
    assert no_token == {"ok": False, "error": "not_authed"}
    app_token = WebClient(token="xapp-1", base_url=server.api_url)
    assert error_of(app_token.auth_test) == "not_allowed_token_type"
    url = app_token.apps_connections_open(app_token="xapp-1")["url"]
    assert url.startswith(f"ws://127.0.0.1:{server.port}/link")


def test_unknown_method(server: LocalSlack) -> None:
    headers = {"Authorization": "Bearer xoxb-1"}
    body = httpx.post(server.api_url + "chat.fly", headers=headers).json()
    assert body == {"ok": False, "error": "unknown_method"}


def test_form_json_and_empty_bodies(server: LocalSlack) -> None:
    headers = {"Authorization": "Bearer xoxb-1"}
    form = httpx.post(
        server.api_url + "chat.postMessage",
        headers=headers,
        data={"channel": "general", "text": "form", "blocks": "[]"},
    ).json()
    as_json = httpx.post(
        server.api_url + "chat.postMessage",
        headers=headers,
        json={"channel": "#general", "text": "json"},
    ).json()
    empty = httpx.post(server.api_url + "chat.postMessage", headers=headers).json()
    assert form["ok"] and as_json["ok"] and float(as_json["ts"]) > float(form["ts"])
    assert empty == {"ok": False, "error": "channel_not_found", "response_metadata": {
        "messages": ["[ERROR] missing channel"]}}  # fmt: skip
    texts = [m.text for m in server.messages("general")]
    assert texts[-2:] == ["form", "json"]


def test_threads_updates_history_and_permalinks(server: LocalSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="ops", text="parent")
    client.chat_postMessage(channel="ops", text="reply 1", thread_ts=parent["ts"])
    client.chat_postMessage(channel="ops", text="reply 2", thread_ts=parent["ts"])
    client.chat_update(channel=parent["channel"], ts=parent["ts"], text="parent v2")
    assert [m.text for m in server.thread("ops", parent["ts"])] == ["reply 1", "reply 2"]
    history = client.conversations_history(channel=parent["channel"])["messages"]
    assert history[0]["text"] == "parent v2" and "edited" in history[0]
    replies = client.conversations_replies(channel=parent["channel"], ts=parent["ts"])
    assert [m["text"] for m in replies["messages"]] == ["parent v2", "reply 1", "reply 2"]
    link = client.chat_getPermalink(channel=parent["channel"], message_ts=parent["ts"])
    assert link["permalink"].endswith(parent["ts"].replace(".", ""))
    assert error_of(lambda: client.chat_update(channel="ops", ts="1.2", text="x")) == (
        "message_not_found"
    )
    assert error_of(lambda: client.chat_postMessage(channel="nowhere", text="x")) == (
        "channel_not_found"
    )


def test_block_limits_are_enforced_like_slack(client: WebClient) -> None:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    assert error_of(
        lambda: client.chat_postMessage(channel="general", text="t", blocks=[section] * 51)
    ) == ("invalid_blocks")
    long = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    assert error_of(
        lambda: client.chat_postMessage(channel="general", text="t", blocks=[long])
    ) == ("invalid_blocks")
    assert client.chat_postMessage(channel="general", text="t", blocks=[section] * 50)["ok"]


def test_ephemeral_users_and_groups(server: LocalSlack, client: WebClient) -> None:
    client.chat_postEphemeral(channel="general", user="U0ALICE", text="psst")
    assert [e.text for e in server.ephemerals("U0ALICE")] == ["psst"]
    assert error_of(
        lambda: client.chat_postEphemeral(channel="general", user="U0NOBODY", text="x")
    ) == ("user_not_found")
    assert client.users_info(user="U0ALICE")["user"]["name"] == "alice"
    found = client.users_lookupByEmail(email="alice@example.test")["user"]["id"]
    assert found == "U0ALICE"
    assert error_of(lambda: client.users_lookupByEmail(email="x@y.z")) == "users_not_found"
    server.add_usergroup("oncall-api", ["U0ALICE"])
    groups = client.usergroups_list(include_users=True)["usergroups"]
    assert [(g["handle"], g["users"]) for g in groups] == [("oncall-api", ["U0ALICE"])]


def test_conversations_list_info_join(server: LocalSlack, client: WebClient) -> None:
    names = {c["name"] for c in client.conversations_list()["channels"]}
    assert {"general", "ops"} <= names
    cid = server.channel_id("ops")
    assert client.conversations_info(channel=cid)["channel"]["is_member"] is False
    client.conversations_join(channel=cid)
    assert client.conversations_info(channel=cid)["channel"]["is_member"] is True


def test_file_upload_v2_roundtrip(server: LocalSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="ops", text="digest")
    result = client.files_upload_v2(
        channel=parent["channel"], thread_ts=parent["ts"], content=b"\x89PNG chart",
        filename="capacity.png", title="Capacity", initial_comment="weekly chart",
    )  # fmt: skip
    file = next(f for f in server.files() if f.id == result["file"]["id"])
    assert file.data == b"\x89PNG chart" and file.title == "Capacity" and file.completed
    reply = server.thread("ops", parent["ts"])[-1]
    assert reply.files == [file.id] and reply.text == "weekly chart"


def test_views_need_a_trigger_and_valid_views(server: LocalSlack, client: WebClient) -> None:
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Hi"}, "blocks": []}
    assert error_of(lambda: client.views_open(trigger_id="nope", view=modal)) == (
        "invalid_trigger_id"
    )
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}],
    }
    first = client.views_publish(user_id="U0ALICE", view=home)["view"]["id"]
    again = client.views_publish(user_id="U0ALICE", view=home)["view"]["id"]
    assert first == again and server.home("U0ALICE") is not None
    assert error_of(lambda: client.views_publish(user_id="U0ALICE", view=modal)) == (
        "invalid_arguments"
    )


def test_response_url_unknown_is_refused(server: LocalSlack) -> None:
    response = httpx.post(f"{server.base_url}/response/unknown", json={"text": "x"})
    assert response.status_code == 404


def test_socket_urls_open_once_and_an_app_gets_ten_connections_at_most() -> None:
    """Like Slack: each apps.connections.open URL opens one connection, and an 11th connection
    is told ``too_many_websockets`` instead of ``hello``."""
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    with LocalSlack() as slack:
        app_token = WebClient(token="xapp-1", base_url=slack.api_url)
        urls = [app_token.apps_connections_open(app_token="xapp-1")["url"] for _ in range(11)]
        opened = [connect(url) for url in urls[:10]]
        try:
            assert [json.loads(ws.recv(5))["type"] for ws in opened] == ["hello"] * 10
            assert slack.connection_count == 10
            with connect(urls[10]) as eleventh:
                refusal = json.loads(eleventh.recv(5))
            assert refusal == {"type": "disconnect", "reason": "too_many_websockets"}
            assert slack.connection_count == 10
            opened.pop().close()
            slack.wait_for(lambda: slack.connection_count == 9)
            with pytest.raises(InvalidStatus):  # a used URL does not open again
                connect(urls[0])
            with pytest.raises(InvalidStatus):  # nor one Slack never handed out
                connect(urls[0].split("?")[0] + "?ticket=made-up")
        finally:
            for ws in opened:
                ws.close()
