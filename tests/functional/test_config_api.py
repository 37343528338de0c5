"""Live configuration through the API: validated, versioned, audited, drafted, activated, rolled back."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from chalicelib.adapters import outbox
from chalicelib.adapters.dynamo import Table
from chalicelib.contracts.api import ConfigHistory, ConfigOut
from chalicelib.contracts.config import DEFAULT_CLICK_AND_COLLECT, ClickAndCollectConfig
from chalicelib.contracts.events import ConfigChanged
from chalicelib.domain.config_changes import diff
from chalicelib.service import config
from tests.conftest import bearer, issue_token, post

COLLECT = {"minAvailable": 2, "maxStores": 3, "excludeSizeClasses": ["S"], "maxDistanceKm": None}
RULE = {"name": "DCs first", "locationTypes": ["dc"]}


def put(client: Any, path: str, body: Any, headers: dict[str, str]) -> Any:
    return client.http.put(path, body=json.dumps(body), headers=headers)


def body(answer: Any) -> Any:
    return json.loads(answer.body)


def test_never_set_sections_are_their_defaults_at_version_0(client, admin):
    got = body(client.http.get("/config", headers=admin))
    assert set(got["sections"]) == {"sourcing", "clickAndCollect", "returns", "stockOut", "workflows"}
    collect = got["sections"]["clickAndCollect"]
    assert collect["version"] == 0 and collect["active"] and not collect["draft"]
    assert collect["body"] == DEFAULT_CLICK_AND_COLLECT.model_dump(mode="json")
    assert config.active(Table(), "clickAndCollect") == DEFAULT_CLICK_AND_COLLECT
    assert body(client.http.get("/config/clickAndCollect/history", headers=admin))["items"] == []


def test_a_put_is_validated_versioned_and_audited_with_a_diff(client, admin):
    first = put(client, "/config/clickAndCollect", COLLECT, admin)
    assert first.status_code == 200, first.body
    saved = body(first)
    assert (saved["version"], saved["active"], saved["draft"], saved["basedOn"]) == (1, True, False, 0)
    assert saved["savedBy"] == "admin" and saved["savedAt"]
    assert saved["changes"] == [{"path": "minAvailable", "op": "changed", "before": 3, "after": 2}]

    second = put(client, "/config/clickAndCollect", {**COLLECT, "maxStores": 1, "maxDistanceKm": 25.5}, admin)
    assert body(second)["version"] == 2
    history = body(client.http.get("/config/clickAndCollect/history", headers=admin))
    ConfigHistory.model_validate(history)  # answers fit their documented contracts
    ConfigOut.model_validate(body(client.http.get("/config", headers=admin)))
    assert history["activeVersion"] == 2
    assert [(v["version"], v["active"]) for v in history["items"]] == [(2, True), (1, False)]  # newest first
    assert history["items"][0]["changes"] == [
        {"path": "maxStores", "op": "changed", "before": 3, "after": 1},
        {"path": "maxDistanceKm", "op": "changed", "before": None, "after": 25.5},
    ]
    active = body(client.http.get("/config", headers=admin))["sections"]["clickAndCollect"]
    assert active["version"] == 2 and active["body"]["maxDistanceKm"] == 25.5

    same = put(client, "/config/clickAndCollect", {**COLLECT, "maxStores": 1, "maxDistanceKm": 25.5}, admin)
    assert body(same)["version"] == 2  # nothing changed: no empty version

    page = body(client.http.get("/config/clickAndCollect/history?limit=1", headers=admin))
    assert [v["version"] for v in page["items"]] == [2] and page["nextCursor"]
    rest = client.http.get(f"/config/clickAndCollect/history?limit=1&cursor={page['nextCursor']}", headers=admin)
    assert [v["version"] for v in body(rest)["items"]] == [1]


def test_a_bad_rule_set_is_refused_naming_the_field(client, admin):
    bad_rule = {"rules": [RULE, {"name": "stores", "locationTypes": ["castle"]}]}
    answer = put(client, "/config/sourcing", bad_rule, admin)
    assert answer.status_code == 422
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert ["body", "rules", 1, "locationTypes", 0] in [e["loc"] for e in body(answer)["errors"]]

    twice = put(client, "/config/sourcing", {"rules": [RULE, RULE]}, admin)
    assert twice.status_code == 422 and "unique" in twice.body.decode()
    for bad in ({**COLLECT, "maxStores": 0}, {**COLLECT, "minAvailable": "3"}, {**COLLECT, "colour": "red"}):
        answer = put(client, "/config/clickAndCollect", bad, admin)
        assert answer.status_code == 422, bad
        assert body(answer)["errors"][0]["loc"][1] in ("maxStores", "minAvailable", "colour")
    assert put(client, "/config/clickAndCollect?draft=maybe", COLLECT, admin).status_code == 422
    assert put(client, "/config/shipping", COLLECT, admin).status_code == 404
    assert client.http.get("/config/shipping/history", headers=admin).status_code == 404
    assert body(client.http.get("/config/sourcing/history", headers=admin))["items"] == []  # nothing stored


def test_a_draft_governs_nothing_until_activated_and_an_old_version_can_come_back(client, admin):
    put(client, "/config/clickAndCollect", COLLECT, admin)  # v1, active
    draft = put(client, "/config/clickAndCollect?draft=true", {**COLLECT, "maxStores": 1}, admin)
    assert draft.status_code == 200
    assert (body(draft)["version"], body(draft)["active"], body(draft)["draft"]) == (2, False, True)
    assert body(draft)["changes"] == [{"path": "maxStores", "op": "changed", "before": 3, "after": 1}]
    assert body(client.http.get("/config", headers=admin))["sections"]["clickAndCollect"]["version"] == 1
    assert config.active(Table(), "clickAndCollect").max_stores == 3

    activated = post(client, "/config/clickAndCollect/activate", {"version": 2}, admin)
    assert activated.status_code == 200, activated.body
    assert body(activated)["version"] == 2 and body(activated)["active"]
    assert body(client.http.get("/config", headers=admin))["sections"]["clickAndCollect"]["version"] == 2
    assert config.active(Table(), "clickAndCollect").max_stores == 1

    rollback = post(client, "/config/clickAndCollect/activate", {"version": 1}, {**admin, "If-Match": "2"})
    assert rollback.status_code == 200
    assert config.active_version(Table(), "clickAndCollect") == (1, ClickAndCollectConfig.model_validate(COLLECT))
    history = body(client.http.get("/config/clickAndCollect/history", headers=admin))
    assert history["activeVersion"] == 1
    assert [(v["version"], v["active"], v["draft"]) for v in history["items"]] == [(2, False, True), (1, True, False)]

    assert post(client, "/config/clickAndCollect/activate", {"version": 9}, admin).status_code == 422
    assert post(client, "/config/clickAndCollect/activate", {"version": "1"}, admin).status_code == 422


def test_a_stale_if_match_changes_nothing(client, admin):
    assert put(client, "/config/clickAndCollect", COLLECT, {**admin, "If-Match": "0"}).status_code == 200  # v1
    put(client, "/config/clickAndCollect", {**COLLECT, "maxStores": 2}, {**admin, "If-Match": "1"})  # v2
    stale = put(client, "/config/clickAndCollect", {**COLLECT, "maxStores": 5}, {**admin, "If-Match": "1"})
    assert stale.status_code == 412
    assert body(stale)["currentVersion"] == 2
    assert (
        post(client, "/config/clickAndCollect/activate", {"version": 1}, {**admin, "If-Match": "1"}).status_code == 412
    )
    assert config.active(Table(), "clickAndCollect").max_stores == 2
    assert [v["version"] for v in body(client.http.get("/config/clickAndCollect/history", headers=admin))["items"]] == [
        2,
        1,
    ]


def test_only_admins_write_and_admin_ops_cs_read(client, admin):
    for role in ("ops", "cs", "channel:webshop", "store:store-ams"):
        headers = bearer(issue_token(role))
        assert put(client, "/config/clickAndCollect", COLLECT, headers).status_code == 403, role
        assert post(client, "/config/clickAndCollect/activate", {"version": 1}, headers).status_code == 403, role
    for role in ("ops", "cs"):
        assert client.http.get("/config", headers=bearer(issue_token(role))).status_code == 200
    assert client.http.get("/config", headers=bearer(issue_token("channel:webshop"))).status_code == 403
    assert client.http.get("/config").status_code == 401


def test_a_change_governs_the_very_next_read_despite_the_cache(client, admin, monkeypatch):
    monkeypatch.setenv("OMS_CACHE_SECONDS", "3600")
    table = Table()
    assert config.active(table, "clickAndCollect").max_stores == 3  # cached now, for an hour
    put(client, "/config/clickAndCollect", {**COLLECT, "maxStores": 1}, admin)
    assert config.active(table, "clickAndCollect").max_stores == 1
    post(client, "/config/clickAndCollect/activate", {"version": 1}, admin)  # no-op: already active
    put(client, "/config/clickAndCollect?draft=true", {**COLLECT, "maxStores": 7}, admin)
    assert config.active(table, "clickAndCollect").max_stores == 1
    post(client, "/config/clickAndCollect/activate", {"version": 2}, admin)
    assert config.active(table, "clickAndCollect").max_stores == 7


def test_every_activation_publishes_config_changed_through_the_outbox(client, admin):
    put(client, "/config/clickAndCollect", COLLECT, admin)
    put(client, "/config/clickAndCollect?draft=true", {**COLLECT, "excludeSizeClasses": []}, admin)  # no event
    post(client, "/config/clickAndCollect/activate", {"version": 2}, admin)
    post(client, "/config/clickAndCollect/activate", {"version": 1}, admin)  # rollback
    events = [e for e in outbox.pending(Table(), older_than=timedelta(0)) if e["eventType"] == "ConfigChanged"]
    details = [ConfigChanged.model_validate(outbox.event_detail(e)) for e in events]
    assert [(d.version, d.previousVersion, d.activation, d.reason, d.paths) for d in details] == [
        (1, 0, 1, "saved", ["minAvailable"]),
        (2, 1, 2, "activated", ["excludeSizeClasses"]),
        (1, 2, 3, "activated", ["excludeSizeClasses"]),
    ]
    assert {e["eventId"] for e in events} == {
        "config.clickAndCollect.1",
        "config.clickAndCollect.2",
        "config.clickAndCollect.3",
    }


def test_the_diff_follows_objects_and_lists_of_objects():
    before = {"rules": [{"name": "a", "sort": ["distance"]}], "flag": True}
    after = {"rules": [{"name": "b", "sort": ["distance"]}, {"name": "c"}], "extra": 1}
    assert diff(before, after) == [
        {"path": "rules[0].name", "op": "changed", "before": "a", "after": "b"},
        {"path": "rules[1]", "op": "added", "after": {"name": "c"}},
        {"path": "flag", "op": "removed", "before": True},
        {"path": "extra", "op": "added", "after": 1},
    ]
    assert diff(before, before) == []


def test_two_saves_racing_for_a_version_number_both_land_one_after_the_other(client, admin, monkeypatch):
    from chalicelib.adapters.config_repo import ConfigRepository

    put(client, "/config/clickAndCollect", COLLECT, admin)  # v1
    real = ConfigRepository.latest_version
    stale = iter([0])  # as if read before v1 was written: the first attempt collides on VERSION#1

    def racing(self: ConfigRepository, section: str) -> int:
        return next(stale, None) or real(self, section)

    monkeypatch.setattr(ConfigRepository, "latest_version", racing)
    second = put(client, "/config/clickAndCollect", {**COLLECT, "maxStores": 4}, admin)
    assert second.status_code == 200 and body(second)["version"] == 2
    history = body(client.http.get("/config/clickAndCollect/history", headers=admin))["items"]
    assert [(v["version"], v["body"]["maxStores"]) for v in history] == [(2, 4), (1, 3)]
