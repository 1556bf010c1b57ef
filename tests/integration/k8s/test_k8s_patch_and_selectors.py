"""The sandbox's patch flavours and selectors, as pure functions (table-driven)."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.k8s.patch import (
    PatchError,
    apply_patch,
    json_patch,
    merge_patch,
    strategic_merge_patch,
)
from sandbox.k8s.selectors import SelectorError, check_field_selector, parse_selector

POD_SPEC: dict[str, Any] = {
    "containers": [
        {
            "name": "app",
            "image": "a:1",
            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
        },
        {"name": "sidecar", "image": "s:1"},
    ]
}


def test_strategic_merge_merges_containers_and_env_by_name() -> None:
    patch = {
        "$setElementOrder/containers": [{"name": "app"}, {"name": "sidecar"}],
        "containers": [
            {"name": "app", "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}]},
            {"name": "new", "image": "n:1"},
        ],
    }
    out = strategic_merge_patch(POD_SPEC, patch)
    assert [c["name"] for c in out["containers"]] == ["app", "sidecar", "new"]
    assert out["containers"][0]["image"] == "a:1"
    assert out["containers"][0]["env"] == [
        {"name": "A", "value": "1"},
        {"name": "B", "value": "3"},
        {"name": "C", "value": "4"},
    ]
    assert POD_SPEC["containers"][0]["env"][1]["value"] == "2"  # input untouched


def test_strategic_merge_directives() -> None:
    deleted = strategic_merge_patch(
        POD_SPEC, {"containers": [{"name": "sidecar", "$patch": "delete"}]}
    )
    assert [c["name"] for c in deleted["containers"]] == ["app"]
    replaced = strategic_merge_patch({"a": {"x": 1, "y": 2}}, {"a": {"$patch": "replace", "z": 3}})
    assert replaced == {"a": {"z": 3}}
    assert strategic_merge_patch({"a": 1, "b": 2}, {"a": None}) == {"b": 2}
    with pytest.raises(PatchError):
        strategic_merge_patch(POD_SPEC, {"containers": [{"image": "no-name"}]})


def test_merge_patch_replaces_lists() -> None:
    out = merge_patch(POD_SPEC, {"containers": [{"name": "only"}]})
    assert out == {"containers": [{"name": "only"}]}
    assert merge_patch({"a": {"b": 1, "c": 2}}, {"a": {"b": None}}) == {"a": {"c": 2}}


@pytest.mark.parametrize(
    ("ops", "expected"),
    [
        ([{"op": "replace", "path": "/a", "value": 9}], {"a": 9, "b": [1, 2]}),
        ([{"op": "add", "path": "/b/-", "value": 3}], {"a": 1, "b": [1, 2, 3]}),
        ([{"op": "add", "path": "/b/0", "value": 0}], {"a": 1, "b": [0, 1, 2]}),
        ([{"op": "remove", "path": "/b/1"}], {"a": 1, "b": [1]}),
        ([{"op": "move", "from": "/a", "path": "/c"}], {"b": [1, 2], "c": 1}),
        ([{"op": "copy", "from": "/a", "path": "/c"}], {"a": 1, "b": [1, 2], "c": 1}),
        ([{"op": "test", "path": "/a", "value": 1}, {"op": "remove", "path": "/a"}], {"b": [1, 2]}),
        ([{"op": "add", "path": "/x~1y", "value": 1}], {"a": 1, "b": [1, 2], "x/y": 1}),
    ],
)
def test_json_patch_operations(ops: list[dict[str, Any]], expected: dict[str, Any]) -> None:
    assert json_patch({"a": 1, "b": [1, 2]}, ops) == expected


@pytest.mark.parametrize(
    "ops",
    [
        [{"op": "replace", "path": "/missing", "value": 1}],
        [{"op": "remove", "path": "/b/7"}],
        [{"op": "test", "path": "/a", "value": 2}],
        [{"op": "frobnicate", "path": "/a"}],
        [{"op": "add", "path": "a", "value": 1}],
        {"op": "add"},
    ],
)
def test_json_patch_rejects(ops: Any) -> None:
    with pytest.raises(PatchError):
        json_patch({"a": 1, "b": [1, 2]}, ops)


def test_apply_patch_dispatches_on_content_type() -> None:
    body = {"containers": [{"name": "app", "image": "a:2"}]}
    strategic = apply_patch("application/strategic-merge-patch+json", POD_SPEC, body)
    merged = apply_patch("application/merge-patch+json; charset=utf-8", POD_SPEC, body)
    assert len(strategic["containers"]) == 2 and len(merged["containers"]) == 1
    with pytest.raises(PatchError):
        apply_patch("application/apply-patch+yaml", POD_SPEC, body)
    with pytest.raises(PatchError):
        apply_patch("application/merge-patch+json", POD_SPEC, [1])


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ("app=api", {"app": "api"}, True),
        ("app==api", {"app": "web"}, False),
        ("app!=api", {}, True),
        ("app=api,tier=be", {"app": "api", "tier": "be"}, True),
        ("app=api,tier=be", {"app": "api"}, False),
        ("tier in (be, fe)", {"tier": "fe"}, True),
        ("tier notin (be,fe),app", {"tier": "db", "app": "x"}, True),
        ("tier notin (be,fe),app", {"tier": "db"}, False),
        ("!canary", {"app": "x"}, True),
        ("!canary", {"canary": "1"}, False),
        ("", {"anything": "x"}, True),
        ("app.kubernetes.io/name=api", {"app.kubernetes.io/name": "api"}, True),
    ],
)
def test_label_selectors(selector: str, labels: dict[str, str], expected: bool) -> None:
    assert parse_selector(selector)(labels) is expected


def test_selector_errors() -> None:
    with pytest.raises(SelectorError):
        parse_selector("app in api")
    with pytest.raises(SelectorError, match="not supported"):
        check_field_selector("spec.bogus=x", {"metadata.name": "n"})
    check_field_selector("metadata.name=n", {"metadata.name": "n"})
