"""Power registry speed on a province-sized registry (2,000 townships × 200 items); one JSON line.

Builds the registry with history (several delegations per pair over the years) by Core
executemany on SQLite (temp file) and, when it answers, PostgreSQL in a throw-away schema;
times `who` against the same lookup as one raw SQL statement on the DBAPI cursor, and the
full power list of a township. `--small` runs a quick 100 × 200 version.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pg_scratch import on_scratch_schema
from sqlalchemy import insert, text

from models import (
    Base,
    Delegation,
    DelegationMode,
    DelegationStatus,
    ItemCategory,
    Organization,
    OrgKind,
    PowerItem,
    item_relations,
)
from models.db import make_engine, make_session_factory
from workflows.registry.powers import power_list, who

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 1, tzinfo=UTC)
PENALTIES, RELATED, DEPARTMENTS = 160, 40, 10
CHUNK = 50_000
# Each lookup is timed REPEATS times and its best run kept: on a shared machine the worst run
# measures the scheduler, not the query (single-shot p99 is reported beside it).
REPEATS = 3

# The `who` lookup as one raw statement: item by code, township by id, the newest in-force
# row of the pair (ix_delegation_lookup), else the parent penalty item's grant/entrustment.
# Revoked/expired rows count only up to a stated end; coercion travels only with a grant
# (行政强制法 第17条) — the same rules as workflows/registry/query.py.
BARE_SQL = """
SELECT i.code, i.name_zh, i.legal_basis, dep.id, dep.name, t.id, t.name, d.id, d.mode,
       d.effective_from, d.effective_to, d.document_no, d.note, d.cutover_rule, d.cutover_days
FROM power_items i
JOIN organizations dep ON dep.id = i.department_id
JOIN organizations t ON t.kind = 'township' AND t.id = {p}
LEFT JOIN delegations d ON d.id = COALESCE(
  (SELECT o.id FROM delegations o WHERE o.item_id = i.id AND o.township_id = t.id
     AND o.status IN ('published','effective','revoked','expired')
     AND o.effective_from <= {p}
     AND ((o.effective_to IS NULL AND o.status IN ('published','effective')) OR o.effective_to >= {p})
     ORDER BY o.effective_from DESC LIMIT 1),
  (SELECT b.id FROM delegations b WHERE b.id IN (
     SELECT (SELECT v.id FROM delegations v
             WHERE v.item_id = r.item_id AND v.township_id = t.id
             AND (v.mode = 'grant' OR (v.mode = 'entrust' AND i.category <> 'coercion'))
             AND v.status IN ('published','effective','revoked','expired')
             AND v.effective_from <= {p}
             AND ((v.effective_to IS NULL AND v.status IN ('published','effective')) OR v.effective_to >= {p})
             ORDER BY v.effective_from DESC LIMIT 1)
     FROM item_relations r WHERE r.related_item_id = i.id)
   ORDER BY b.effective_from DESC LIMIT 1))
WHERE i.code = {p}
"""


def _catalogue(conn, townships: int) -> tuple[list[int], list[tuple[int, str, bool]]]:
    """Departments, townships and items (with related powers); returns ids."""
    depts = [{"name": f"县部门{n}", "kind": OrgKind.COUNTY_DEPARTMENT} for n in range(DEPARTMENTS)]
    towns = [{"name": f"第{n}乡镇人民政府", "short_name": f"第{n}镇", "kind": OrgKind.TOWNSHIP}
             for n in range(townships)]
    conn.execute(insert(Organization), depts + towns)
    dept_ids = [r[0] for r in conn.execute(text("SELECT id FROM organizations WHERE kind = "
                                                "'county_department' ORDER BY id"))]
    town_ids = [r[0] for r in conn.execute(text("SELECT id FROM organizations WHERE kind = "
                                                "'township' ORDER BY id"))]
    items = []
    for n in range(PENALTIES + RELATED):
        penalty = n < PENALTIES
        category = ItemCategory.PENALTY if penalty else (
            ItemCategory.INSPECTION if n % 2 else ItemCategory.COERCION)
        items.append({"code": f"P-{n:04d}" if penalty else f"R-{n:04d}", "name_zh": f"事项{n}",
                      "category": category, "department_id": dept_ids[n % DEPARTMENTS],
                      "legal_basis": f"《某法》第{n}条", "modes_allowed": ["grant", "entrust", "assist"],
                      "restricts_personal_liberty": False, "in_provincial_guidance": True,
                      "major_decision_rule": {}})
    conn.execute(insert(PowerItem), items)
    rows = list(conn.execute(text("SELECT id, code FROM power_items ORDER BY id")))
    rng = random.Random(24)
    links = [{"item_id": rows[p][0], "related_item_id": rid}
             for rid, code in rows[PENALTIES:]
             for p in rng.sample(range(PENALTIES), rng.randint(1, 3))]
    conn.execute(insert(item_relations), links)
    return town_ids, [(rid, code, code.startswith("P")) for rid, code in rows]


def _history(rng: random.Random, item_id: int, town_id: int) -> list[dict]:
    """Successive delegations of one pair over the years, some expired or revoked."""
    rows, start = [], date(2016 + rng.randrange(4), rng.choice((1, 7)), 1)
    for j in range(rng.randint(2, 5)):
        mode = rng.choice((DelegationMode.ENTRUST, DelegationMode.GRANT, DelegationMode.ASSIST))
        end = date(start.year + rng.choice((1, 2, 2, 3)), start.month, 1) - timedelta(days=1)
        last = j == 4 or rng.random() < 0.25
        if last and mode == DelegationMode.GRANT:
            end = None
        status = DelegationStatus.EFFECTIVE
        if end is not None and end < TODAY:
            status = DelegationStatus.REVOKED if mode == DelegationMode.GRANT else DelegationStatus.EXPIRED
        rows.append(_row(item_id, town_id, mode, status, start, end, f"文{item_id}-{town_id}-{j}"))
        if end is None:
            break
        start = end + timedelta(days=1 + rng.choice((0, 0, 0, 31, 92)))
    if rng.random() < 0.05:  # a pending proposal, not in force, overlapping the current row
        rows.append(_row(item_id, town_id, DelegationMode.GRANT, DelegationStatus.PROPOSED,
                         TODAY, None, None))
    return rows


def _row(item_id, town_id, mode, status, start, end, doc) -> dict:
    return {"item_id": item_id, "township_id": town_id, "mode": mode, "status": status,
            "effective_from": start, "effective_to": end, "document_no": doc,
            "cutover_rule": "filed_cases_stay", "source": "import", "created_at": NOW,
            "updated_at": NOW}


def build(engine, townships: int) -> tuple[int, float]:
    """Create the schema and fill it; returns (delegation rows, seconds)."""
    t0 = time.perf_counter()
    Base.metadata.create_all(engine)
    rng = random.Random(2026)
    total = 0
    with engine.begin() as conn:
        town_ids, items = _catalogue(conn, townships)
        batch: list[dict] = []
        for town_id in town_ids:
            for item_id, _code, penalty in items:
                if penalty or rng.random() < 0.3:  # related powers mostly follow their penalty
                    batch += _history(rng, item_id, town_id)
            if len(batch) >= CHUNK:
                conn.execute(insert(Delegation), batch)
                total, batch = total + len(batch), []
        if batch:
            conn.execute(insert(Delegation), batch)
            total += len(batch)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return total, time.perf_counter() - t0


def _quantile(samples: list[int], q: int) -> float:
    """The q-th percentile in milliseconds."""
    return statistics.quantiles(samples, n=100)[q - 1] / 1e6


def measure(engine, lookups: int, lists: int) -> dict:
    """Interleave `who` and the bare statement on the same connection; time power lists."""
    rng = random.Random(7)
    with make_session_factory(engine)() as session:
        codes = [c for (c,) in session.execute(text("SELECT code FROM power_items"))]
        towns = [t for (t,) in session.execute(text("SELECT id FROM organizations WHERE kind = "
                                                   "'township'"))]
        cases = [(rng.choice(codes), rng.choice(towns),
                  date(2016, 1, 1) + timedelta(days=rng.randrange(12 * 365)))
                 for _ in range(lookups + 200)]
        cursor = session.connection().connection.driver_connection.cursor()
        sqlite = engine.dialect.name == "sqlite"
        bare_sql = BARE_SQL.format(p="?" if sqlite else "%s")
        who_ns, bare_ns, who_single, bare_single, mismatches = [], [], [], [], 0
        for n, (code, town, on) in enumerate(cases):
            day = on.isoformat() if sqlite else on
            who_runs, bare_runs = [], []
            for r in range(REPEATS):  # interleaved, alternating who goes first (cold pages)
                for is_who in ((True, False) if (n + r) % 2 else (False, True)):
                    t = time.perf_counter_ns()
                    if is_who:
                        answer = who(session, code, town, on)
                    else:
                        cursor.execute(bare_sql, (town, day, day, day, day, code))
                        bare = cursor.fetchall()
                    (who_runs if is_who else bare_runs).append(time.perf_counter_ns() - t)
            mismatches += answer.delegation_id != bare[0][7]
            if n >= 200:  # the first calls warm caches and statement compilation
                who_ns.append(min(who_runs))
                bare_ns.append(min(bare_runs))
                who_single.append(who_runs[0])
                bare_single.append(bare_runs[0])
        list_ns = []
        for town in rng.sample(towns, min(lists, len(towns))):
            t = time.perf_counter_ns()
            power_list(session, town, TODAY)
            list_ns.append(time.perf_counter_ns() - t)
    return {"who_p50_ms": _ms(who_ns, 50), "who_p99_ms": _ms(who_ns, 99),
            "bare_p50_ms": _ms(bare_ns, 50), "bare_p99_ms": _ms(bare_ns, 99),
            "who_to_bare_p99": round(_quantile(who_ns, 99) / _quantile(bare_ns, 99), 2),
            "who_to_bare_p50": round(_quantile(who_ns, 50) / _quantile(bare_ns, 50), 2),
            "who_p99_single_ms": _ms(who_single, 99), "bare_p99_single_ms": _ms(bare_single, 99),
            "power_list_p50_ms": round(_quantile(list_ns, 50), 2),
            "power_list_p99_ms": round(_quantile(list_ns, 99), 2),
            "lookups": lookups, "mismatches": mismatches}


def _ms(samples: list[int], q: int) -> float:
    return round(_quantile(samples, q), 4)


def run_sqlite(townships: int, lookups: int, lists: int) -> dict:
    """The embedded default, in a temporary file."""
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'registry.db'}")
        rows, seconds = build(engine, townships)
        result = {"rows": rows, "build_s": round(seconds, 1), **measure(engine, lookups, lists)}
        engine.dispose()
    return result


def run_postgresql(url: str, townships: int, lookups: int, lists: int) -> dict | None:
    """PostgreSQL in a dedicated schema, dropped afterwards; None when no server answers."""

    def body(engine) -> dict:
        rows, seconds = build(engine, townships)
        return {"rows": rows, "build_s": round(seconds, 1), **measure(engine, lookups, lists)}

    return on_scratch_schema(url, body)


def main() -> None:
    """Parse options, run both stores, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="100 townships, fewer lookups")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    args = parser.parse_args()
    townships, lookups, lists = (100, 2000, 20) if args.small else (2000, 20_000, 100)
    result = {"benchmark": "registry.who", "townships": townships,
              "items": PENALTIES + RELATED, "sqlite": run_sqlite(townships, lookups, lists)}
    if not args.no_pg:
        result["postgresql"] = run_postgresql(args.pg_url, townships, lookups, lists)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
