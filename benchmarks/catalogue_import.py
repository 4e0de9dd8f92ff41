"""Catalogue import speed: a county list of N items and M existing delegations; one JSON line.

Loads the Gucheng sample, writes a CSV of N items (half inspection powers, half penalties
linked to them) and M grants, and times import_items (first run, then an unchanged re-run)
and import_delegations on SQLite (temp file) and, when it answers, PostgreSQL in a throw-away
schema. `--small` runs a quick 500-item version.
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from models import Base
from models.db import make_engine, make_session_factory
from workflows.core.clock import FixedClock
from workflows.registry.importing.delegations import import_delegations
from workflows.registry.importing.items import import_items
from workflows.sample import gucheng as sample

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
CLOCK = FixedClock(datetime(2026, 3, 2, 1, tzinfo=UTC))
TOWNSHIPS = ("郑口镇", "青罕镇", "故城镇", "武官寨镇", "饶阳店镇", "军屯镇", "建国镇", "西半屯镇",
             "房庄镇", "三朗镇", "辛庄乡", "里老乡", "夏庄镇")


def write_lists(folder: Path, items: int, delegations: int) -> tuple[Path, Path]:
    """The item list (pairs of inspection + penalty) and the delegation list."""
    item_path, delegation_path = folder / "items.csv", folder / "delegations.csv"
    with item_path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["事项编码", "事项名称", "类别", "实施主体", "设定依据", "下放方式",
                      "关联检查强制事项", "批次文号", "批次生效日期"])
        for i in range(items // 2):
            out.writerow([f"B-JC-{i}", f"检查事项{i}", "检查", "故城县水利局", "《水法》第六十条",
                          "赋权;委托", "", "故政字〔2021〕1号", "2021-01-01"])
            out.writerow([f"B-CF-{i}", f"处罚事项{i}", "处罚", "故城县水利局", "《水法》第六十五条",
                          "赋权", f"B-JC-{i}", "故政字〔2021〕1号", "2021-01-01"])
    with delegation_path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["事项编码", "乡镇", "下放方式", "生效日期", "文号"])
        for i in range(delegations):
            out.writerow([f"B-CF-{i % (items // 2)}", TOWNSHIPS[i % len(TOWNSHIPS)], "赋权",
                          "2021-01-01", "故政字〔2021〕2号"])
    return item_path, delegation_path


def run(engine, item_path: Path, delegation_path: Path) -> dict:
    """Time the three imports on one database."""
    Base.metadata.create_all(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        sample.load_gucheng_sample(session, CLOCK)
    timings = {}
    for label, call in (("items_first_s", lambda s: import_items(s, CLOCK, item_path)),
                        ("items_again_s", lambda s: import_items(s, CLOCK, item_path)),
                        ("delegations_s", lambda s: import_delegations(s, CLOCK, delegation_path))):
        with factory() as session:
            start = time.perf_counter()
            call(session)
            timings[label] = round(time.perf_counter() - start, 3)
    return timings


def _pg_engine():
    """An engine on a fresh PostgreSQL schema, or None when no server answers."""
    try:
        admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception:  # no server: the benchmark reports SQLite only
        return None, None, None
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    return engine, admin, schema


def main() -> None:
    """Print one JSON line with the timings per backend."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true")
    args = parser.parse_args()
    items, delegations = (500, 100) if args.small else (5000, 1000)
    result: dict = {"benchmark": "catalogue_import", "items": items, "delegations": delegations}
    with tempfile.TemporaryDirectory() as folder:
        item_path, delegation_path = write_lists(Path(folder), items, delegations)
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        result["sqlite"] = run(engine, item_path, delegation_path)
        engine.dispose()
        pg, admin, schema = _pg_engine()
        if pg is not None:
            try:
                result["postgresql"] = run(pg, item_path, delegation_path)
            finally:
                pg.dispose()
                with admin.connect() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
