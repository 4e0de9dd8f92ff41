"""The public portal lists a letter once every party published it (委托书由双方公布, 行政处罚法 第20条)."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from models import Document, HumanTask, Organization, ProcessDefinition, ProcessInstance

LETTER_NO = "故城管委〔2026〕97号"


def _entrustment_awaiting_publication(s, now) -> tuple[int, int, int]:
    """An entrustment instance with its issued letter; the department published, the township not yet."""
    town = s.scalars(select(Organization).where(Organization.short_name == "郑口镇")).one()
    dept = s.scalars(select(Organization).where(Organization.name == "故城县农业农村局")).one()
    definition = ProcessDefinition(process_id="entrustment", file_name="entrustment.bpmn",
                                   content_sha256="0" * 64, bpmn_xml="<definitions/>", created_at=now)
    s.add(definition)
    s.flush()
    instance = ProcessInstance(definition_id=definition.id, process_id="entrustment",
                               township_id=town.id, department_id=dept.id, status="running",
                               state="{}", started_at=now, updated_at=now)
    s.add(instance)
    s.flush()
    content = "<html><body>行政执法委托书</body></html>".encode()
    doc = Document(kind="entrustment_letter", title="行政执法委托书", document_no=LETTER_NO,
                   mime="text/html; charset=utf-8", filename="letter.html",
                   sha256=hashlib.sha256(content).hexdigest(), content=content, size=len(content),
                   organization_id=dept.id, instance_id=instance.id, created_at=now)
    s.add(doc)
    for n, (name, org, state) in enumerate((("publish_department", dept, "completed"),
                                            ("publish_township", town, "ready"))):
        s.add(HumanTask(instance_id=instance.id, spiff_task_id=f"00000000-0000-0000-0000-00000000000{n}",
                        task_spec_name=name, title=name, role="county_officer", organization_id=org.id,
                        state=state, created_at=now))
    s.flush()
    return town.id, instance.id, doc.id


def test_letter_is_public_only_after_both_parties_published_it_art20(client, session_factory, clock):
    """Before the township's publication the letter is not public; after it, listed and served."""
    with session_factory() as s, s.begin():
        town_id, instance_id, doc_id = _entrustment_awaiting_publication(s, clock.now())
    page = client.get(f"/public/townships/{town_id}").get_data(as_text=True)
    assert LETTER_NO not in page
    assert client.get(f"/public/documents/{doc_id}").status_code == 404
    with session_factory() as s, s.begin():
        task = s.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                 HumanTask.task_spec_name == "publish_township")).one()
        task.state = "completed"
    page = client.get(f"/public/townships/{town_id}").get_data(as_text=True)
    assert LETTER_NO in page and f"/public/documents/{doc_id}" in page
    response = client.get(f"/public/documents/{doc_id}")
    assert response.status_code == 200 and "行政执法委托书" in response.get_data(as_text=True)


def test_a_published_letter_is_listed_only_for_its_own_township(client, session_factory, clock):
    with session_factory() as s, s.begin():
        _, instance_id, _ = _entrustment_awaiting_publication(s, clock.now())
        for task in s.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)):
            task.state = "completed"
        other = s.scalars(select(Organization).where(Organization.short_name == "青罕镇")).one()
    assert LETTER_NO not in client.get(f"/public/townships/{other.id}").get_data(as_text=True)
