"""Benchmark: grouping accuracy and speed of bot.logmine on the Loghub-2.0 2k samples.

Grouping accuracy (GA): a line is correct only if its predicted group holds exactly the lines of
its true group. Published Drain GA on these samples averages about 0.85.

    .venv/bin/python tests/bench/bench_log_templates.py            # content from the CSV
    .venv/bin/python tests/bench/bench_log_templates.py --source log  # split the raw .log headers

``--source csv`` (default) mines the ground truth's ``Content`` column. ``--source log`` reads the
raw ``<System>_2k.log`` and splits each line's header from its content with loghub's published
per-system header format (headers only: no per-system masking), and reports how many extracted
contents differ from the CSV. Speed is measured on the whole pipeline (mask + Drain), repeated.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.logmine import TemplateMiner  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "loghub2k"
PUBLISHED_DRAIN_GA = 0.85

# loghub's header formats (benchmark settings of logparser); they split header from content.
LOG_FORMATS = {
    "HDFS": "<Date> <Time> <Pid> <Level> <Component>: <Content>",
    "Hadoop": r"<Date> <Time> <Level> \[<Process>\] <Component>: <Content>",
    "Spark": "<Date> <Time> <Level> <Component>: <Content>",
    "Zookeeper": r"<Date> <Time> - <Level>  \[<Node>:<Component>@<Id>\] - <Content>",
    "BGL": "<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> <Component> <Level> "
    "<Content>",
    "HPC": "<LogId> <Node> <Component> <State> <Time> <Flag> <Content>",
    "Thunderbird": r"<Label> <Timestamp> <Date> <User> <Month> <Day> <Time> <Location> "
    r"<Component>(\[<PID>\])?: <Content>",
    "Linux": r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>",
    "Apache": r"\[<Time>\] \[<Level>\] <Content>",
    "OpenStack": r"<Logrecord> <Date> <Time> <Pid> <Level> <Component> \[<ADDR>\] <Content>",
    "Mac": r"<Month>  <Date> <Time> <User> <Component>\[<PID>\]( \(<Address>\))?: <Content>",
}


def header_regex(log_format: str) -> re.Pattern[str]:
    """loghub's conversion of a ``<Field> <Field>`` format into a regex."""
    parts = re.split(r"(<[^<>]+>)", log_format)
    out = ""
    for i, part in enumerate(parts):
        if i % 2 == 0:
            out += re.sub(" +", r"\\s+", part)
        else:
            name = part.strip("<>")
            out += f"(?P<{name}>.*?)"
    return re.compile("^" + out + "$")


def load_truth(system: str) -> tuple[list[str], list[str]]:
    path = DATA / system / f"{system}_2k.log_structured_corrected.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [r["Content"] for r in rows], [r["EventTemplate"] for r in rows]


def load_log_contents(system: str, csv_contents: Sequence[str]) -> tuple[list[str], int]:
    regex = header_regex(LOG_FORMATS[system])
    raw = (DATA / system / f"{system}_2k.log").read_text(encoding="utf-8", errors="replace")
    contents = []
    for line in raw.splitlines():
        m = regex.match(line.strip())
        contents.append(m.group("Content") if m else line)
    mismatched = sum(1 for a, b in zip(contents, csv_contents, strict=False) if a.strip() != b)
    return contents, mismatched + abs(len(contents) - len(csv_contents))


def grouping_accuracy(predicted: Sequence[str], truth: Sequence[str]) -> float:
    true_size = Counter(truth)
    members: dict[str, list[int]] = defaultdict(list)
    for i, key in enumerate(predicted):
        members[key].append(i)
    correct = 0
    for idx in members.values():
        labels = {truth[i] for i in idx}
        if len(labels) == 1 and true_size[truth[idx[0]]] == len(idx):
            correct += len(idx)
    return correct / len(truth)


def predict(contents: Sequence[str]) -> list[str]:
    miner = TemplateMiner()
    ids = [miner.add(text) for text in contents]
    return [miner.template_of(i) for i in ids]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=("csv", "log"), default="csv")
    parser.add_argument("--repeat", type=int, default=5, help="speed runs per system")
    parser.add_argument("--systems", nargs="*", default=None)
    parser.add_argument("--show-errors", type=int, default=0, help="print N wrong groups")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"loghub data absent (looked in {DATA}); nothing to benchmark")
        return 0
    systems = args.systems or sorted(p.name for p in DATA.iterdir() if p.is_dir())
    scores: list[float] = []
    total_lines = 0
    total_time = 0.0
    print("lines/s is per CPU-second of this process (the machine may be shared)")
    print(f"{'system':<12} {'GA':>6} {'groups':>7} {'truth':>6} {'lines/s':>9}  note")
    for system in systems:
        contents, truth = load_truth(system)
        note = ""
        if args.source == "log":
            contents, mismatched = load_log_contents(system, contents)
            note = f"{mismatched} contents differ from CSV"
        predicted = predict(contents)
        ga = grouping_accuracy(predicted, truth)
        t0 = time.process_time()  # CPU time: the machine may be shared with other work
        for _ in range(args.repeat):
            predict(contents)
        elapsed = time.process_time() - t0
        n = len(contents) * args.repeat
        total_lines += n
        total_time += elapsed
        scores.append(ga)
        print(
            f"{system:<12} {ga:6.3f} {len(set(predicted)):7d} {len(set(truth)):6d} "
            f"{n / elapsed:9,.0f}  {note}"
        )
        if args.show_errors:
            show_errors(contents, predicted, truth, args.show_errors)
    average = sum(scores) / len(scores)
    print(f"{'average':<12} {average:6.3f}   (published Drain ~{PUBLISHED_DRAIN_GA:.2f})")
    print(f"throughput   {total_lines / total_time:,.0f} lines/s over {total_lines:,} lines")
    return 0


def show_errors(contents: Sequence[str], predicted: Sequence[str], truth: Sequence[str], n: int):
    by_truth: dict[str, set[str]] = defaultdict(set)
    by_pred: dict[str, set[str]] = defaultdict(set)
    for p, t in zip(predicted, truth, strict=True):
        by_truth[t].add(p)
        by_pred[p].add(t)
    shown = 0
    for t, preds in by_truth.items():
        wrong = len(preds) > 1 or any(len(by_pred[p]) > 1 for p in preds)
        if not wrong:
            continue
        print(f"   TRUE {t!r}")
        for p in sorted(preds):
            others = sorted(by_pred[p] - {t})[:2]
            ex = next(c for c, pp in zip(contents, predicted, strict=True) if pp == p)
            print(f"     -> {p!r}  also={others} ex={ex[:120]!r}")
        shown += 1
        if shown >= n:
            break


if __name__ == "__main__":
    raise SystemExit(main())
