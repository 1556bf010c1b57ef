"""The account's IAM credential report and its virtual MFA assignments: two account-wide reads
that say, for every user at once, whether it has MFA and whether it has access keys, so the
audit asks about a user alone only when the answer could be a finding.

The report (``GenerateCredentialReport`` / ``GetCredentialReport``) is AWS's own snapshot, at
most four hours old by design. What the reader trusts it for, and why that stays right:

- *no access key at all* (neither key was ever rotated in): a key made since is younger than
  the report, so it cannot be old or unused for the audit's thresholds (days). A user with a
  key, active or not, is read alive (``ListAccessKeys``): a key deactivated by an approved fix
  shows as such at once.
- *MFA*: a user an assigned virtual MFA device names (``ListVirtualMFADevices``, alive) has
  MFA; one the report says has none has none, unless a hardware device was added since the
  report (at worst a finding the next report clears, never a missed one); one the report says
  has MFA but no virtual device names is read alive (``ListMFADevices``): a hardware device,
  or a device removed since.

A user the report does not list (made after it), a report older than ``MAX_AGE``, or a report
that is not ready after ``WAIT_SECONDS`` mean reading every user alive, as without a report.
"""

from __future__ import annotations

import csv
import io
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from integrations.aws.errors import error_code

log = logging.getLogger(__name__)

#: a report older than this is not used (AWS makes a new one when it is over four hours old)
MAX_AGE = timedelta(hours=24)
#: how long to wait for AWS to finish a report before reading every user alive instead
WAIT_SECONDS = 20.0
_NOT_READY = ("ReportInProgress", "ReportNotPresent", "ReportExpired")


@dataclass(frozen=True)
class ReportLine:
    """One user's line of the credential report."""

    user: str
    mfa_active: bool
    has_keys: bool  # either access key exists (active or not)


def _parse(content: bytes | str) -> dict[str, ReportLine]:
    text = content.decode() if isinstance(content, bytes) else content
    out = {}
    for row in csv.DictReader(io.StringIO(text)):
        name = row.get("user", "")
        if not name or name == "<root_account>":
            continue
        rotated = (row.get("access_key_1_last_rotated"), row.get("access_key_2_last_rotated"))
        keys = any(r not in (None, "", "N/A") for r in rotated) or any(
            row.get(f"access_key_{n}_active") == "true" for n in (1, 2)
        )
        out[name] = ReportLine(name, row.get("mfa_active") == "true", keys)
    return out


def credential_report(
    client: Any, *, now: datetime | None = None, wait: float = WAIT_SECONDS
) -> dict[str, ReportLine] | None:
    """Every user's line of a credential report no older than ``MAX_AGE``, asking AWS to make
    one when needed; None when there is none to use (not permitted, not ready in time, too
    old): the caller then reads every user alive."""
    deadline = time.monotonic() + wait
    delay = 0.5
    try:
        client.generate_credential_report()
        while True:
            try:
                report = client.get_credential_report()
                break
            except ClientError as exc:
                if not any(c in error_code(exc) for c in _NOT_READY) or time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 4.0)
    except ClientError as exc:
        log.info("no IAM credential report (%s); reading every user alone", error_code(exc))
        return None
    generated = report.get("GeneratedTime")
    if isinstance(generated, datetime):
        when = generated if generated.tzinfo else generated.replace(tzinfo=UTC)
        if (now or datetime.now(UTC)) - when > MAX_AGE:
            log.info("the IAM credential report is from %s; reading every user alone", when)
            return None
    return _parse(report.get("Content", b""))


def virtual_mfa_users(client: Any) -> set[str] | None:
    """The users an assigned virtual MFA device names (paginated, alive); None when it cannot
    be read (a policy without ``iam:ListVirtualMFADevices``): the caller then asks each user."""
    out = set()
    pages = client.get_paginator("list_virtual_mfa_devices").paginate(AssignmentStatus="Assigned")
    try:
        for page in pages:
            for device in page.get("VirtualMFADevices", []):
                name = device.get("User", {}).get("UserName")
                if name:
                    out.add(name)
    except ClientError as exc:
        log.info("no virtual MFA listing (%s); reading every user alone", error_code(exc))
        return None
    return out
