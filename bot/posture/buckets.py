"""Buckets in the security audit, read with the account's own Block Public Access applied
(``integrations.aws.posture_reads.PostureReader.buckets``): a public bucket is high (its fix is
``s3.block_public_access``, behind the usual approval), a bucket without default encryption
medium (no registry action: encryption is set by hand)."""

from __future__ import annotations

from bot.posture.finding import PostureFinding
from integrations.aws.s3 import BucketState


def _exposure(s: BucketState) -> str:
    how = [w for w, on in (("its policy allows anyone", s.policy_public),
                           ("its ACL grants AllUsers", s.acl_public)) if on]  # fmt: skip
    return f"{' and '.join(how)}; Block Public Access (bucket and account) does not stop it"


def bucket_findings(states: list[BucketState]) -> list[PostureFinding]:
    out = []
    for s in states:
        if s.public:
            out.append(
                PostureFinding(
                    check="bucket_public", resource=f"s3:{s.name}", severity="high",
                    summary=f"bucket {s.name} is publicly readable"
                    + ("" if s.encrypted else " and not encrypted"),
                    evidence=_exposure(s), fix_action="s3.block_public_access",
                    fix_params={"bucket": s.name},
                )
            )  # fmt: skip
        elif not s.encrypted:
            out.append(
                PostureFinding(
                    check="bucket_unencrypted", resource=f"s3:{s.name}", severity="medium",
                    summary=f"bucket {s.name} has no default encryption",
                    evidence="no server-side encryption rule",
                )
            )  # fmt: skip
    return out
