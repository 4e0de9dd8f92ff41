"""The measures start page of a case (先行登记保存 第56条; 查封、扣押 行政强制法 第17–19条)."""

from __future__ import annotations

from sqlalchemy import func, select

from models import ProcessInstance
from tests.support.webapp import audit_count
from tests.web.test_starts_web import _officers, _post, file_qh_case


def _instances(session_factory) -> int:
    with session_factory() as s:
        return s.scalar(select(func.count()).select_from(ProcessInstance))


def _case_path(client, session_factory) -> str:
    response = file_qh_case(client, session_factory)
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    return response.headers["Location"]


def test_case_page_starts_a_preservation_for_the_head_to_approve(client, session_factory):
    """第56条: two officers ask, the township's head approves (the task lands in the leader's inbox)."""
    path = _case_path(client, session_factory)
    page = client.get(path).get_data(as_text=True)
    assert "先行登记保存与查封扣押" in page
    start = f"{path}/case_measures"
    form = client.get(start).get_data(as_text=True)
    assert "物品清单" in form and "Items (name" not in form  # Chinese only in Chinese mode
    response = _post(client, start, {"kind": "preservation", "items": "账簿三本", "reason": "证据可能灭失",
                                     "basis": "《中华人民共和国行政处罚法》第五十六条", "coercion_item_code": "",
                                     "on_the_spot": "false", "officers": _officers(client, start)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    instance = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "负责人批准" in instance


def test_coercion_without_the_coercive_power_is_refused_with_the_article(client, session_factory):
    """行政强制法 第17条: a code the case's item does not carry is refused naming the article; nothing written."""
    path = _case_path(client, session_factory)
    start = f"{path}/case_measures"
    before, instances = audit_count(session_factory), _instances(session_factory)
    response = _post(client, start, {"kind": "detention", "items": "三轮车一辆", "reason": "可能转移",
                                     "basis": "条例第三十七条", "coercion_item_code": "NOPE",
                                     "on_the_spot": "false", "officers": _officers(client, start)})
    assert response.status_code == 422 and "行政强制法 第17条" in response.get_data(as_text=True)
    assert (audit_count(session_factory), _instances(session_factory)) == (before, instances)
