"""Person and organization fields of task forms (issue 10 §4): each offers only what its task may name,
and completing the task refuses anything else with nothing written."""

from __future__ import annotations

import pytest

from models import CaseTransfer, WorkOrder
from tests.procedures.test_case_defence import HEARING, _notified, _written
from tests.procedures.test_case_transfer import _receiver_instance, _send
from tests.procedures.test_case_transfer import world as transfer_world  # noqa: F401  (a fixture)
from tests.support.case_world import build_case_county
from tests.support.coordination_world import snapshot
from tests.support.procedure_world import in_transaction
from workflows.core.errors import LegalRuleViolation, ValidationFailed
from workflows.core.forms import NOT_OFFERED
from workflows.procedures.work_order.steps import receive_work_order
from workflows.tasks import processes


@pytest.fixture
def c(session, clock, tmp_path):
    """The case county: 郑口镇 and 青罕镇 with their leaders and certified officers."""
    return build_case_county(session, clock, tmp_path)


def _offered(session, county, instance_id: int, task: str) -> dict[str, list]:
    """The choices the open task's pick fields offer, as the task page and the API list them."""
    row = county.task(session, instance_id, task)
    data = processes.task_data(session, county.engine, row)
    process_id = county.instance(session, instance_id).process_id
    return processes.task_options(session, county.engine.forms, process_id, row, data)


def test_hearing_chairs_are_the_handling_organs_people_who_did_not_investigate(session, c):
    """行政处罚法 第64条第四项: the chair is of the organ hearing the case and not one of its investigators."""
    case = _notified(session, c)
    chairs = _offered(session, c, case.instance_id, "defend")["hearing_chair_id"]
    assert [o.id for o in chairs] == [c.users["zk_leader"].id]  # zk_officer1/2 investigated; 青罕镇 is not the organ
    assert chairs[0].name == "zk_leader" and chairs[0].org.name == "故城县郑口镇人民政府"


def test_a_chair_from_another_township_is_refused_and_nothing_is_written(session, c):
    case = _notified(session, c)
    before = _written(session)
    with pytest.raises(ValidationFailed) as err:
        c.act(session, case.instance_id, "defend", "zk_officer1", HEARING | {"hearing_chair_id": c.users["qh_leader"].id})
    assert list(err.value.errors) == ["hearing_chair_id"] and NOT_OFFERED in err.value.errors["hearing_chair_id"][0]
    assert _written(session) == before and c.open_tasks(session, case.instance_id) == ["defend"]
    with pytest.raises(LegalRuleViolation) as err:  # an investigator: the rule itself, with its article
        c.act(session, case.instance_id, "defend", "zk_officer1", HEARING | {"hearing_chair_id": c.users["zk_officer1"].id})
    assert err.value.article == "行政处罚法 第64条第四项" and _written(session) == before


def test_every_field_error_comes_at_once_with_the_refused_pick(session, c):
    case = _notified(session, c)
    with pytest.raises(ValidationFailed) as err:
        c.act(session, case.instance_id, "defend", "zk_officer1",
              HEARING | {"hearing_on": "soon", "hearing_chair_id": 999999})
    assert set(err.value.errors) == {"hearing_on", "hearing_chair_id"}


def _order(session, world):
    return in_transaction(session, receive_work_order, session, world.engine, world.users["zk_centre"],
                          world.orgs["zk"].id, "complaint", "general", "占道经营")


def test_dispatch_offers_the_townships_organs_then_the_county_platform(session, transfer_world):  # noqa: F811
    """北京接诉即办条例 第11–12条: 郑口镇's own organs or one level up; never 青罕镇's team or a department."""
    world = transfer_world
    order = _order(session, world)
    organs = [o.id for o in _offered(session, world, order.instance_id, "dispatch")["assigned_org_id"]]
    o = world.orgs
    assert organs == [o["zk_team"].id, o["zk_safety"].id, o["county"].id]
    before = snapshot(session, WorkOrder)
    with pytest.raises(ValidationFailed) as err:  # no such organ
        world.act(session, order.instance_id, "dispatch", "zk_centre", {"assigned_org_id": 999999})
    assert NOT_OFFERED in err.value.errors["assigned_org_id"][0]
    with pytest.raises(LegalRuleViolation) as err:  # a department: the dispatch rule, with its article
        world.act(session, order.instance_id, "dispatch", "zk_centre", {"assigned_org_id": o["cgj"].id})
    assert "第11–12条" in err.value.article
    assert snapshot(session, WorkOrder) == before


def test_designation_offers_the_parties_and_the_county_departments(session, transfer_world):  # noqa: F811
    """行政处罚法 第25条: the county designates the sender, the case's township or a department; not 青罕镇."""
    world = transfer_world
    transfer = _send(session, world)
    receiver = _receiver_instance(session, transfer)
    world.act(session, receiver, "answer_township", "zk_officer", {"answer": "object", "objection_reason": "无条件"})
    o = world.orgs
    organs = [x.id for x in _offered(session, world, receiver, "designate")["designated_org_id"]]
    assert organs[:2] == [o["nyj"].id, o["zk"].id]  # the two organs in dispute first
    assert {o["cgj"].id, o["sjj"].id} <= set(organs)
    assert not {o["qh"].id, o["qh_team"].id, o["zk_team"].id, o["county"].id, o["legal"].id} & set(organs)
    before = snapshot(session, CaseTransfer)
    with pytest.raises(ValidationFailed) as err:
        world.act(session, receiver, "designate", "approver",
                  {"designated_org_id": o["qh"].id, "designation_note": "由青罕镇办理"})
    assert NOT_OFFERED in err.value.errors["designated_org_id"][0]
    assert snapshot(session, CaseTransfer) == before and world.open_tasks(session, receiver) == ["designate"]
