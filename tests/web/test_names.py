"""Names in the page's language and Chinese data marked as Chinese (issue 10 §5): web/names.py."""

from __future__ import annotations

import re

from sqlalchemy import select

from models import Case, Organization, OrgKind, PowerItem, User
from tests.web.test_oracles import _case_of
from tests.web.test_procedures_web import _act, _open_task
from web.names import data, item_name, org_name, punct


def _sample(session_factory):
    with session_factory() as s:
        town = s.scalars(select(Organization).where(Organization.short_name == "郑口镇")).one()
        item = s.scalars(select(PowerItem).where(PowerItem.name_en.is_not(None)).order_by(PowerItem.code)).first()
        s.expunge_all()
        return town, item


def test_english_pages_name_organizations_and_items_in_english(app, session_factory):
    town, item = _sample(session_factory)
    with app.test_request_context("/?lang=en"):
        assert org_name(town) == org_name(town, short=True) == "Zhengkou Town"
        # Registry answers and figures carry only an id or the Chinese name: looked up all the same.
        assert org_name(town.id, town.name) == org_name(town.name) == "Zhengkou Town"
        assert item_name(item) == item_name(item.code, item.name_zh) == item.name_en


def test_without_an_english_name_the_chinese_name_is_shown_and_marked(app):
    organ = Organization(name="某临时指挥部", kind=OrgKind.TOWNSHIP_ORGAN)
    item = PowerItem(code="X-1", name_zh="某临时事项")
    with app.test_request_context("/?lang=en"):
        assert org_name(organ) == "某临时指挥部" and org_name(999999, "某机构") == "某机构"
        assert item_name(item) == "某临时事项" and item_name("NO-SUCH-CODE", "某事项") == "某事项"
        assert str(data(org_name(organ))) == '<span lang="zh-CN">某临时指挥部</span>'
        assert str(data("故城罚〔2026〕1号 was filed by <b>")) == \
            '<span lang="zh-CN">故城罚〔2026〕1号</span> was filed by &lt;b&gt;'
        assert str(data("Zhengkou Town")) == "Zhengkou Town" and punct("（") == " ("


def test_chinese_pages_print_exactly_the_chinese_names(app, session_factory):
    town, item = _sample(session_factory)
    with app.test_request_context("/"):
        assert org_name(town) == town.name and org_name(town, short=True) == "郑口镇"
        assert item_name(item) == item.name_zh
        assert str(data("某商户")) == "某商户" and punct("（") == "（" and punct("、") == "、"


INVESTIGATE = {"investigation_report": "查明占道", "proposed_decision": "penalty", "proposed_fine": "3000",
               "hearing_held": "false", "complex_case": "false", "major_public_interest": "false"}
NOTICE = {"notice_facts": "占道经营。", "notice_evidence": "现场照片", "notice_basis": "《条例》第三十六条",
          "notified_penalty": "罚款3000元", "hearing_right": "true"}


def test_the_hearing_chair_is_picked_and_shown_by_name_in_both_languages(app, client, session_factory):
    """行政处罚法 第64条: the chair is a person, chosen by name among those who did not investigate."""
    case_id = _case_of(app, session_factory, "郑口镇", "郑口罚〔2026〕93号")
    with session_factory() as s:
        instance_id = s.get(Case, case_id).instance_id
        chair = s.scalars(select(User).where(User.username == "zk_leader")).one()
        investigator = s.scalars(select(User).where(User.username == "zk_officer1")).one()
    _act(client, session_factory, instance_id, "investigate", "zk_officer1", INVESTIGATE)
    _act(client, session_factory, instance_id, "notify", "zk_officer1", NOTICE)
    defend = client.get(f"/tasks/{_open_task(session_factory, instance_id, 'defend')}").get_data(as_text=True)
    picker = re.search(r'<select id="f-hearing_chair_id".*?</select>', defend, re.S).group(0)
    assert f'value="{chair.id}"' in picker and chair.display_name in picker
    assert investigator.display_name not in picker  # an investigator may not chair (第64条第四项)
    _act(client, session_factory, instance_id, "defend", "zk_officer2", {
        "defence_statement": "", "defence_answer": "", "defence_waived": "false", "hearing_requested": "true",
        "hearing_on": "2026-03-12", "hearing_place": "郑口镇政府会议室", "hearing_chair_id": str(chair.id)})
    hearing = f"/tasks/{_open_task(session_factory, instance_id, 'hold_hearing')}"
    for lang in ("zh_CN", "en"):
        client.get(f"/lang/{lang}?next=/")
        decisions = re.search(r'<section class="card" id="decisions">.*?</section>',
                              client.get(hearing).get_data(as_text=True), re.S).group(0)
        assert chair.display_name in decisions
        assert f"<dd>{chair.id}</dd>" not in decisions
    assert f'<span lang="zh-CN">{chair.display_name}</span>' in decisions  # English page: marked as Chinese
