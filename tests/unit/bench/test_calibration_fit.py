"""The calibration fit (tests/bench/calibration_fit.py): monotone shrunk maps, folds that keep a
scenario (or a corpus) together, knobs that move the way the data says, and a YAML write that
keeps its comments and loads back as the same rules. Made-up records; no world is started."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.investigate.models import Hypothesis
from bot.investigate.reasoning_data import Calibration, calibration
from tests.bench import calibration_fit as cf
from tests.bench import calibration_untuned as cu
from tests.bench.bench_rca import AIOPSLAB, heldout_names
from tests.bench.calibration_data import Record, load, outcome, replay, save
from tests.bench.rca_scoring import Truth
from tests.unit.investigate.test_calibrate import OOM, STRUCTURAL


def record(corpus: str, name: str, leader_right: bool = True) -> Record:
    """An OOM incident: the leader names it (or not), a runner-up that is always wrong."""
    leader = Hypothesis(
        kind="oom_killed" if leader_right else "memory_leak",
        service="api",
        confidence=0.6,
        summary="",
        evidence=[OOM.summary],
    )
    second = Hypothesis(
        kind="cpu_saturation", service="api", confidence=0.5, summary="", evidence=[OOM.summary]
    )
    return Record(
        corpus, name, Truth("oom_killed", "api"), [leader, second], [OOM], calibrated=True
    )


def test_a_map_is_the_share_right_shrunk_toward_the_input() -> None:
    rows = [(0.5, 1)] * 8
    assert cf.fit_map(rows) == [(0.5, round((8 + cf.SHRINK * 0.5) / (8 + cf.SHRINK), 3))]
    assert cf.fit_map(rows[: cf.MIN_CASES - 1]) == []  # too few: no map


def test_a_map_never_falls_even_when_the_bins_do() -> None:
    rows = [(0.2, 1)] * 10 + [(0.8, 0)] * 10  # the data says the opposite of the input
    points = cf.fit_map(rows)
    ys = [y for _, y in points]
    assert ys == sorted(ys) and len(points) == 1  # pooled into one flat level


def test_pool_adjacent_violators() -> None:
    pooled = cf._pav([[0.1, 0.5, 1.0], [0.2, 0.1, 1.0], [0.3, 0.9, 2.0]])
    assert [round(y, 3) for _, y, _ in pooled] == [0.3, 0.9]


def test_folds_keep_a_corpus_together() -> None:
    records = [record(c, f"s{i}#{k}") for c in ("a", "b") for i in range(6) for k in (1, 2)]
    folds = cf.folds_by_corpus(records)
    assert sorted(len(f) for f in folds) == [12, 12]
    assert all(len({records[i].corpus for i in fold}) == 1 for fold in folds)


def test_cross_validation_scores_each_fold_under_rules_fitted_without_it() -> None:
    records = [record(c, "s#1") for c in ("a", "b", "c")]
    seen: list[set[str]] = []

    def procedure(training: list[Record]) -> Calibration:
        seen.append({r.corpus for r in training})
        return STRUCTURAL

    cf.cross_validated(records, cf.folds_by_corpus(records), procedure)  # type: ignore[arg-type]
    assert seen == [{"b", "c"}, {"a", "c"}, {"a", "b"}]


def test_the_knobs_follow_the_data_runners_up_always_wrong_claim_less() -> None:
    records = [record("a", f"s{i}#1") for i in range(10)]
    fitted = cf.fit_knobs(records, STRUCTURAL)
    assert fitted.runner_up_share == min(cf.GRID["runner_up_share"])
    assert cf.brier_of(records, fitted) < cf.brier_of(records, STRUCTURAL)


def test_the_fit_raises_leaders_that_are_right_and_lowers_those_that_are_not() -> None:
    right = [record("a", f"r{i}#1") for i in range(10)]
    wrong = [record("a", f"w{i}#1", leader_right=False) for i in range(10)]
    up = replay(right[0], cf.fit(right, STRUCTURAL))[0].confidence
    down = replay(wrong[0], cf.fit(wrong, STRUCTURAL))[0].confidence
    before = replay(right[0], STRUCTURAL)[0].confidence
    assert down < before < up


def test_write_keeps_the_comments_and_loads_back_as_the_fitted_rules(tmp_path: Path) -> None:
    path = tmp_path / "calibration.yaml"
    path.write_text(cf.YAML.read_text())
    fitted = STRUCTURAL.model_copy(
        update={"floor": 0.02, "maps": {"runner_up": [(0.05, 0.01), (0.2, 0.04)]}}
    )
    cf.write(fitted, ["     pooled  0.0400"], path)
    cf.write(fitted, ["     pooled  0.0400"], path)  # a second write replaces the block
    text = path.read_text()
    assert text.startswith(cf.YAML.read_text().splitlines()[0])
    assert text.count(cf.MARK) == 1 and "#     pooled  0.0400" in text
    loaded = Calibration.model_validate(yaml.safe_load(text))
    assert loaded.floor == 0.02 and loaded.maps == fitted.maps


def test_records_round_trip_through_the_cache(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    records = [record("a", "s#1"), record("b", "t#1", leader_right=False)]
    save(records, path)
    again = load(path)
    assert [(r.corpus, r.name, r.truth) for r in again] == [
        (r.corpus, r.name, r.truth) for r in records
    ]
    assert replay(again[1], STRUCTURAL) == replay(records[1], STRUCTURAL)


@pytest.mark.parametrize("knob", sorted(cf.GRID))
def test_every_grid_value_is_one_the_yaml_accepts(knob: str) -> None:
    for value in cf.GRID[knob]:
        Calibration.model_validate({**STRUCTURAL.model_dump(), knob: value})


def test_the_report_chooses_a_candidate_on_the_untuned_recording() -> None:
    tuned = [record(c, f"s{i}#1") for c in "abc" for i in range(8)]  # leaders always right
    recorded = [record("u", f"u{i}#1", leader_right=i % 4 == 0) for i in range(12)]
    after, lines = cf.report(tuned, STRUCTURAL, recorded)
    chosen = next(line for line in lines if line.startswith("   chosen: "))
    name = chosen.split()[1]
    cand = next(c for c in cu.CANDIDATES if c.name == name)
    assert after == cu.made(cand, cu.bases(tuned, STRUCTURAL, cf.fit_knobs, cf.fit_maps), recorded)
    assert name != "fitted"  # fitted on the tuned corpora alone, it claims what they were right
    assert any(line.strip().startswith("untuned pooled") for line in lines)
    assert any(line.strip().startswith("tuned pooled") for line in lines)


def test_features_write_a_row_per_hypothesis_with_its_basis_and_whether_it_was_right(
    tmp_path: Path,
) -> None:
    path = tmp_path / "features.csv"
    cf.features([record("a", "s#1"), record("a", "t#1", leader_right=False)], STRUCTURAL, path)
    rows = path.read_text().splitlines()
    assert rows[0].split(",")[3] == "basis" and len(rows) == 5
    marks = [(row.split(",")[3], row.split(",")[-1]) for row in rows[1:]]
    assert marks == [("leader", "1"), ("runner_up", "0"), ("leader", "0"), ("runner_up", "0")]


def test_the_untuned_recording_holds_no_held_out_case_and_replays_as_shown() -> None:
    held = heldout_names(AIOPSLAB)
    records = cu.recording()
    assert {r.corpus for r in records} == {
        f"aiopslab@{cu.RECORDED_AT}",
        f"thirdparty4@{cu.RECORDED_AT}",
    }
    assert not {r.name.split("#", 1)[0] for r in records} & held
    assert len(records) == 41
    assert sum(r.calibrated for r in records) >= 30
    for r in records:  # replayed under today's rules, each answer keeps the order it showed
        again = outcome(r, calibration()).hypotheses
        assert [(g.kind, g.service) for g in again] == [(g.kind, g.service) for g in r.shown]


def test_save_keeps_only_the_findings_calibration_reads(tmp_path: Path) -> None:
    other = OOM.model_copy(update={"service": "db", "summary": "db: something else"})
    rec = record("a", "s#1")
    rec.findings.append(other)
    save([rec], tmp_path / "r.json")
    assert [f.summary for f in load(tmp_path / "r.json")[0].findings] == [OOM.summary]
