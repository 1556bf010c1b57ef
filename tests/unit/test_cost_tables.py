"""The shipped price table and cost rules validate; a file of one's own merges over them key by
key; a bad file is one line naming the file, the key and the reason. Plus the pure pieces the
cost checks stand on: the size ladder, the Lambda REPORT line, the robust anomaly score."""

from __future__ import annotations

import statistics
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.posture.cost_lambda import target_mb
from bot.posture.cost_spend import anomalies, robust_score
from bot.posture.pricing import PRICES_FILE, load_prices, load_rules, merge
from integrations.aws.cost_explorer import DailyCost
from integrations.aws.cost_reads import parse_report


def test_the_shipped_table_is_dated_and_cites_its_pages() -> None:
    prices = load_prices()
    assert prices.as_of <= date.today()
    assert prices.dated == f"prices as of {prices.as_of.isoformat()}, {prices.region}"
    assert {"ec2", "ebs", "rds", "lambda"} <= set(prices.sources)
    assert all(url.startswith("https://aws.amazon.com/") for url in prices.sources.values())
    # every section the checks read is there
    assert prices.ec2_hourly and prices.rds_hourly and prices.ebs_gb_month
    assert set(prices.snapshot_gb_month) >= {"ebs", "rds"}
    assert set(prices.lambda_gb_second) == {"x86_64", "arm64"}


def test_an_override_merges_over_the_shipped_table(tmp_path: Path) -> None:
    shipped = load_prices()
    mine = tmp_path / "prices.yaml"
    mine.write_text(
        "as_of: 2026-12-01\nregion: eu-west-1\n"
        "ec2_hourly: {m5.large: 0.107, x9.tiny: 0.001}\nelastic_ip_hourly: 0.004\n"
    )
    prices = load_prices(mine)
    assert prices.dated == "prices as of 2026-12-01, eu-west-1"
    assert prices.ec2_hourly["m5.large"] == 0.107 and prices.ec2_hourly["x9.tiny"] == 0.001
    assert prices.ec2_hourly["t3.micro"] == shipped.ec2_hourly["t3.micro"]  # kept
    assert prices.elastic_ip_hourly == 0.004
    assert prices.rds_hourly == shipped.rds_hourly  # sections not named stay whole


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ec2_hourly: {t3.micro: -1}", "ec2_hourly.t3.micro: Input should be greater than 0"),
        ("as_of: last tuesday", "as_of: Input should be a valid date"),
        ("sources: {ec2: http://example.com}", "the pricing page's https:// address"),
        ("ec2_hourlly: {t3.micro: 0.01}", "ec2_hourlly: Extra inputs are not permitted"),
        ("- just a list", "expected a mapping of keys"),
        ("ec2_hourly: {", "not valid YAML"),
    ],
)
def test_a_bad_override_names_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    bad = tmp_path / "mine.yaml"
    bad.write_text(text + "\n")
    with pytest.raises(ConfigError) as err:
        load_prices(bad)
    assert str(bad) in str(err.value) and message in str(err.value)


def test_a_missing_override_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_prices(tmp_path / "nope.yaml")


def test_merge_is_key_by_key() -> None:
    assert merge({"a": {"x": 1, "y": 2}, "b": 1}, {"a": {"y": 3}, "c": 4}) == {
        "a": {"x": 1, "y": 3}, "b": 1, "c": 4,
    }  # fmt: skip


def test_rules_validate_their_actions_and_windows(tmp_path: Path) -> None:
    rules = load_rules()
    assert rules.idle.cpu_below_percent == 5 and rules.idle.days == 14
    unknown = tmp_path / "rules.yaml"
    unknown.write_text("fixes: {idle_eip: {action: ec2.release_everything, how: x}}\n")
    with pytest.raises(ConfigError, match="no registry action 'ec2.release_everything'"):
        load_rules(unknown)
    window = tmp_path / "window.yaml"
    window.write_text("anomaly: {trailing_days: 40}\n")
    with pytest.raises(ConfigError, match="trailing_days must be shorter than spend_days"):
        load_rules(window)
    older = tmp_path / "older.yaml"
    older.write_text("snapshots: {older_than_days: 30}\n")
    assert load_rules(older).snapshots.older_than_days == 30


def test_the_next_smaller_size_is_in_the_same_family_and_priced() -> None:
    rules, prices = load_rules(), load_prices()
    assert rules.smaller("t3.large", prices.ec2_hourly) == "t3.medium"
    assert rules.smaller("m5.xlarge", prices.ec2_hourly) == "m5.large"
    assert rules.smaller("c5.9xlarge", prices.ec2_hourly) == "c5.4xlarge"  # skips 8xlarge
    assert rules.smaller("db.r5.xlarge", prices.rds_hourly) == "db.r5.large"
    assert rules.smaller("m5.large", prices.ec2_hourly) is None  # no m5.medium
    assert rules.smaller("t3.nano", prices.ec2_hourly) is None
    assert rules.smaller("weird", prices.ec2_hourly) is None


def test_report_lines_parse() -> None:
    line = (
        "REPORT RequestId: 8f5c Duration: 102.25 ms\tBilled Duration: 103 ms\t"
        "Memory Size: 1024 MB\tMax Memory Used: 70 MB\tInit Duration: 171.83 ms"
    )
    run = parse_report(line)
    assert run is not None and (run.billed_ms, run.memory_mb, run.max_used_mb) == (103, 1024, 70)
    assert parse_report("START RequestId: 8f5c Version: $LATEST") is None
    assert parse_report("REPORT something else") is None


def test_lambda_target_has_headroom_and_a_floor() -> None:
    rules = load_rules()
    assert target_mb(150, rules) == 256  # 225 rounded up to 64 MB
    assert target_mb(40, rules) == 128  # never under the floor


def _days(values: list[float], service: str = "svc") -> list[DailyCost]:
    first = date(2026, 1, 1)
    return [
        DailyCost(first + timedelta(days=i), service, v, "USD", False) for i, v in enumerate(values)
    ]


def test_a_flat_baseline_does_not_turn_a_cent_into_an_anomaly() -> None:
    rule = load_rules().anomaly
    flat = _days([10.0] * 14 + [10.01])
    assert anomalies(flat, flat[-1].day, rule) == []
    score, median = robust_score(10.01, [10.0] * 14)
    assert median == 10.0 and score < rule.threshold


def test_a_jump_is_an_anomaly_and_a_dip_is_not() -> None:
    rule = load_rules().anomaly
    base = [100.0, 104.0, 97.0, 101.0, 99.0, 103.0, 98.0] * 2
    jump = _days([*base, 180.0])
    [found] = anomalies(jump, jump[-1].day, rule)
    assert found.service == "svc" and found.over == pytest.approx(180.0 - statistics.median(base))
    dip = _days([*base, 20.0])
    assert anomalies(dip, dip[-1].day, rule) == []


def test_prices_file_is_beside_the_code() -> None:
    assert PRICES_FILE.name == "prices.yaml" and PRICES_FILE.is_file()
