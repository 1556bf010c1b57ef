"""The credential report's lines, as AWS documents them: the root line is no user; a key that
exists but is inactive still counts as a key (it may be reactivated: its user is read alive)."""

from __future__ import annotations

from integrations.aws.iam_report import ReportLine, _parse

HEAD = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n"
)


def _line(user: str, mfa: str, k1: tuple[str, str], k2: tuple[str, str]) -> str:
    return (
        f"{user},arn:aws:iam::1:user/{user},2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,{mfa},"
        f"{k1[0]},{k1[1]},N/A,N/A,N/A,{k2[0]},{k2[1]},N/A,N/A,N/A,false,N/A,false,N/A\n"
    )


def test_report_lines() -> None:
    none = ("false", "N/A")
    text = (
        HEAD
        + _line("<root_account>", "true", none, none)
        + _line("quiet", "false", none, none)
        + _line("paused", "true", none, ("false", "2024-02-01T00:00:00+00:00"))
        + _line("busy", "false", ("true", "2024-02-01T00:00:00+00:00"), none)
    )
    assert _parse(text.encode()) == {
        "quiet": ReportLine("quiet", mfa_active=False, has_keys=False),
        "paused": ReportLine("paused", mfa_active=True, has_keys=True),
        "busy": ReportLine("busy", mfa_active=False, has_keys=True),
    }
