"""Time the lead extractor per message on the accuracy set and the shared corpus.

    .venv/bin/python bench/extract_speed.py [--rounds 7]

Messages are read once beforehand; only extract_lead_details() is timed. Each set
is run ``--rounds`` times after one warm-up run (which pays for the country-name
table) and the best round is printed as milliseconds of CPU time per message (the
process's own, so other work on a shared machine disturbs it less than wall time),
with each case's mailbox region and with none.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clearcrm.inbound.extract import extract_lead_details  # noqa: E402
from tests.extract import emlload  # noqa: E402

CASES = ROOT / "tests" / "extract"
CORPUS = ROOT.parent / "shared" / "corpus"

Job = tuple[dict, str | None]


def accuracy_set() -> list[Job]:
    jobs = []
    for folder in ("forms", "signatures"):
        for path in sorted((CASES / folder).glob("*.eml")):
            expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            mail = emlload.read_with_stdlib(path.read_bytes())
            jobs.append((mail.kwargs(), expected.get("default_region")))
    return jobs


def corpus() -> list[Job]:
    if not CORPUS.is_dir():
        return []
    paths = sorted(
        p for p in CORPUS.rglob("*") if p.is_file() and not p.name.upper().startswith("README")
    )
    return [(emlload.load(path.read_bytes()).kwargs(), None) for path in paths]


def best_ms_per_message(jobs: list[Job], rounds: int, *, with_region: bool) -> float:
    def one_round() -> float:
        started = time.process_time()
        for kwargs, region in jobs:
            extract_lead_details(**kwargs, default_region=region if with_region else None)
        return time.process_time() - started

    one_round()  # warm-up: imports, the country-name table, label caches
    return min(one_round() for _ in range(rounds)) / len(jobs) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    for name, jobs in (("accuracy set", accuracy_set()), ("corpus", corpus())):
        if not jobs:
            print(f"{name}: no messages found")
            continue
        region = best_ms_per_message(jobs, args.rounds, with_region=True)
        none = best_ms_per_message(jobs, args.rounds, with_region=False)
        print(
            f"{name} ({len(jobs)} messages): {region:.3f} ms/message with each case's "
            f"mailbox region, {none:.3f} ms/message with none"
        )


if __name__ == "__main__":
    main()
