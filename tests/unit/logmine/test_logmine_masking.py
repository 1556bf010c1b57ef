"""The masker: each kind of variable part becomes <*>, constant words stay."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.logmine import Masker, mask


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("req 123e4567-e89b-12d3-a456-426614174000 done", "req <*> done"),
        ("from 10.0.12.7:8443 refused", "from <*> refused"),
        ("peer fe80::1c2:3ff:fe4d:5 down", "peer <*> down"),
        ("peer 2607:f140:6000:8:c6b3:1ff:fecd:467f down", "peer <*> down"),
        ("mac 00:1b:44:11:3a:b7 up", "mac <*> up"),
        ("addr 0x7ffd5a2c at fault", "addr <*> at fault"),
        ("trace 54fadb412c4e40cdbaed9335e4c35a9e sampled", "trace <*> sampled"),
        ("pod checkout-7d9f8c6b5d-x2k4q OOMKilled", "pod checkout-<*> OOMKilled"),
        ("took 350ms, then 1.5s", "took <*> then <*>"),
        ("wrote 512MB to disk", "wrote <*> to disk"),
        ("open /var/lib/app/data.db failed", "open <*> failed"),
        ("GET https://api.example.com/v1/x?y=1 503", "GET <*> <*>"),
        ("at 2024-03-01T12:00:05.123Z retry", "at <*> retry"),
        ("at 2024-03-01 12:00:05,123 retry", "at <*> retry"),
        ("since Jun 14 15:16:01 idle", "since <*> idle"),
        ("since Sun Dec 04 04:47:44 2005 idle", "since <*> idle"),
        ("mail to ops.team+x@example.org bounced", "mail to <*> bounced"),
        ("uid=0 euid=1000 denied", "uid=<*> euid=<*> denied"),
        ("retry 3 of 5", "retry <*> of <*>"),
        ("offset -42 invalid", "offset <*> invalid"),
        ("block blk_-6952295868487656571 lost", "block blk_<*> lost"),
        ("worker-12 and shard7 on node-3a", "worker-<*> and shard<*> on node-<*>a"),
        ("from 24-54-76-216.dsl.example.net (ok)", "from <*> (ok)"),
        ("class org.apache.hadoop.mapred.Task ran", "class org.apache.hadoop.mapred.Task ran"),
        ("C:\\Program Files\\app.exe crashed", "<*> Files\\app.exe crashed"),
    ],
)
def test_variable_parts_are_masked(line: str, expected: str) -> None:
    assert mask(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "Connection refused by upstream",
        "org.apache.hadoop.mapreduce.app.MRAppMaster: Executing with tokens:",
        "NullPointerException in OrderService.checkout",
        "health check failed; marking instance unhealthy",
    ],
)
def test_constant_text_is_kept(line: str) -> None:
    assert mask(line) == line


def test_punctuated_placeholders_fold_but_runs_keep_their_length() -> None:
    assert mask("values [1, 2, 3] accepted") == "values <*> <*> <*> accepted"
    assert mask("peer (10.0.0.1:80) gone") == "peer <*> gone"
    # an empty value must not change the token count of its neighbours
    assert len(mask("rhost= user=bob").split()) == len(mask("rhost=10.0.0.1 user=bob").split())


def test_two_occurrences_of_one_event_mask_identically() -> None:
    a = mask("user 1001 login from 10.1.2.3 in 35ms (session 9f8e7d6c5b4a)")
    b = mask("user 77 login from 192.168.0.254 in 2s (session 0a1b2c3d4e5f)")
    assert a == b


def test_custom_masks_replace_the_defaults() -> None:
    only_numbers = Masker(word_start=(), anywhere=(("number", r"[0-9]+"),))
    assert only_numbers("host web01 took 35ms") == "host web<*> took <*>ms"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_masking_never_fails_and_is_idempotent(text: str) -> None:
    once = mask(text)
    assert mask(once) == once
