"""The Gucheng sample catalogue: the 32 illustrative items plus related powers, via import_items."""

from __future__ import annotations

from importlib import resources

from sqlalchemy.orm import Session

from workflows.core.clock import SystemClock
from workflows.registry.importing.items import ImportOptions, import_items

# The sample lists write departments as ××县/××市; Gucheng (故城县) lies in Hengshui (衡水市).
SAMPLE_COUNTY, SAMPLE_CITY = "故城县", "衡水市"
# Penalty items first: the related inspection/coercion rows link back to them.
SAMPLE_FILES = ("sample_items.csv", "sample_related_items.csv")


def load_sample_catalogue(session: Session, clock: SystemClock) -> dict:
    """Import the sample lists (idempotent: a second run leaves every item unchanged)."""
    options = ImportOptions(county_name=SAMPLE_COUNTY, city_name=SAMPLE_CITY)
    created: set[str] = set()
    updated: set[str] = set()
    unchanged: set[str] = set()
    for name in SAMPLE_FILES:
        with resources.as_file(resources.files("workflows.data").joinpath(name)) as path:
            report = import_items(session, clock, path, options=options)
        created |= set(report.created)
        updated |= set(report.updated)
        unchanged |= set(report.unchanged)
    updated -= created  # penalty items created here gain their related powers in the second file
    unchanged -= created | updated
    return {"items_created": len(created), "items_updated": len(updated),
            "items_unchanged": len(unchanged)}
