"""Two answers moto 5.2.5 gives unlike AWS, which the security audit's reads depend on:

- the IAM credential report is written from the live users at every request but stamped
  ``GeneratedTime: 2015-02-02T20:02:02Z``; a reader that (rightly) refuses a stale report would
  never use it. Stamped here with the time it was made, which for moto is now.
- ``DescribeSnapshots`` ignores ``OwnerIds``: ``OwnerIds=["self"]`` answers with every
  snapshot in the region, ~1,300 of them behind moto's built-in AMIs (about 4 s per call).
  Filtered here by owner as AWS does (``self`` is the caller's account; an id is an id; an
  alias such as ``amazon`` matches the snapshot's owner alias).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

_applied = False


def _patch_credential_report() -> None:
    from moto.iam.responses import IamResponse

    original = IamResponse.get_credential_report

    def get_credential_report(self: Any) -> Any:
        result = original(self)
        body = getattr(result, "result", None)
        if isinstance(body, dict) and "GeneratedTime" in body:
            body["GeneratedTime"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return result

    IamResponse.get_credential_report = get_credential_report  # type: ignore[method-assign]


def _patch_snapshot_owners() -> None:
    from moto.core.responses import ActionResult
    from moto.ec2.responses.elastic_block_store import ElasticBlockStore

    original = ElasticBlockStore.describe_snapshots

    def describe_snapshots(self: Any) -> Any:
        owners = self._get_param("OwnerIds", [])
        result = original(self)
        body: Any = result.result
        if not owners:
            return result
        wanted = {self.current_account if o == "self" else o for o in owners}
        kept = [
            s
            for s in body["Snapshots"]
            if s.owner_id in wanted or getattr(s, "owner_alias", None) in wanted
        ]
        return ActionResult({"Snapshots": kept})

    ElasticBlockStore.describe_snapshots = describe_snapshots  # type: ignore[method-assign]


def patch() -> None:
    global _applied
    if _applied:
        return
    _patch_credential_report()
    _patch_snapshot_owners()
    _applied = True
