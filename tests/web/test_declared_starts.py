"""Start forms declared once: the page inputs, their labels and the OpenAPI come from one schema."""

from __future__ import annotations

import pytest

from web.schemas.starts import EntrustmentStart, GrantStart, WorkOrderStart, schema_for
from workflows.procedures import CASE, MENU, starts


def test_every_declared_start_has_one_schema_and_one_endpoint(client):
    """Each menu and case start of workflows.procedures.ALL has its schema, page route and API path."""
    paths = client.get("/api/openapi.json").json["paths"]
    for key in starts(MENU):
        assert schema_for(key).__name__.endswith("Start")
        assert f"/api/v1/procedures/{key}" in paths, key
    for key in starts(CASE):
        assert f"/api/v1/cases/{{case_id}}/{key}" in paths, key


def test_start_page_inputs_and_openapi_come_from_the_schema(as_user, client):
    """工单受理: the same field names and labels on the page (Chinese, then English) and in OpenAPI."""
    declared = WorkOrderStart().fields
    properties = client.get("/api/openapi.json").json["components"]["schemas"]["WorkOrderStart"]["properties"]
    assert list(properties) == list(declared)
    assert properties["township_id"]["title"] == "First-receiving township"
    assert properties["township_id"]["description"] == "首接乡镇"
    user = as_user("qh_officer1")
    page = user.get("/procedures/work_order").get_data(as_text=True)
    assert [n for n in declared if f'name="{n}"' in page] == list(declared)
    assert all(f.metadata["description"] in page for f in declared.values())
    user.get("/lang/en")
    english = user.get("/procedures/work_order").get_data(as_text=True)
    assert all(f.metadata["title"] in english for f in declared.values())
    assert "首接乡镇" not in english and "诉求内容" not in english


@pytest.mark.parametrize("kind, schema, login", [("entrustment", EntrustmentStart, "nyj_officer"),
                                                 ("grant", GrantStart, "sl_officer")])
def test_own_page_starts_label_their_inputs_from_the_schema(as_user, client, kind, schema, login):
    """委托书 and 赋权 pages: every input's label, in the page's language, is the schema's; so is OpenAPI."""
    declared = schema().fields
    properties = client.get("/api/openapi.json").json["components"]["schemas"][schema.__name__]["properties"]
    assert {n: (p["description"], p["title"]) for n, p in properties.items()} == {
        n: (f.metadata["description"], f.metadata["title"]) for n, f in declared.items()}
    user = as_user(login)  # a department with items free to entrust or grant today
    chinese = user.get(f"/procedures/{kind}").get_data(as_text=True)
    assert [n for n in declared if f'name="{n}"' not in chinese] == []
    assert all(f.metadata["description"] in chinese for f in declared.values())
    user.get("/lang/en")
    english = user.get(f"/procedures/{kind}").get_data(as_text=True)
    assert all(f.metadata["title"] in english for f in declared.values())
    assert not any(f.metadata["description"] in english for f in declared.values())


def test_menu_tiles_and_labels_follow_the_declarations(as_user):
    """The start menu shows each procedure's declared label, in the language of the page."""
    user = as_user("qh_officer1")
    page = user.get("/procedures/").get_data(as_text=True)
    assert "工单受理" in page and "立案" in page
    user.get("/lang/en")
    english = user.get("/procedures/").get_data(as_text=True)
    assert "Work order" in english and "Case filing" in english and "工单受理" not in english
