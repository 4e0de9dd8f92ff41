"""A browser walker: each task reached only through visible links from the inbox, done by its role.

The walker signs in as the demo user who holds the task's role in the task's organization (read
from the database: that is the test's knowledge, not the user's), clicks 待办 in the header, then
the task's link, fills the form the page shows, submits, and keeps a screenshot of every step.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from models import HumanTask, Membership, ProcessInstance, User
from workflows.sample.gucheng import DEMO_PASSWORD, DEMO_USERS
from workflows.tasks import processes

# Prefer the choice that carries the procedure forward (approve, pass, accept …).
FORWARD = ("approve", "pass", "accept", "no_penalty", "filed", "done", "satisfied", "true")
DEMO_ORDER = [u[0] for u in DEMO_USERS]
OPEN = ("ready", "claimed")
CONTROLS_JS = """els => els.map(e => ({
  name: e.getAttribute("name"), kind: e.tagName + ":" + (e.type || ""), value: e.value || "",
  checked: !!e.checked, placeholder: e.getAttribute("placeholder"), inputmode: e.getAttribute("inputmode"),
  options: e.tagName === "SELECT" ? [...e.options].map(o => o.value) : []}))"""


@dataclass
class Step:
    """One task done in the browser."""

    procedure: str
    task: str
    username: str
    shot: str


@dataclass
class Walker:
    """Drives one browser page over the live site, one procedure at a time."""

    page: object
    site: dict
    shots: Path
    procedure: str = ""
    steps: list[Step] = field(default_factory=list)
    overrides: dict = field(default_factory=dict)  # task name → {field: value}
    user: str = ""  # who is signed in, and when (by the site's clock)
    signed_in_at: object = None
    _n: int = 0

    def begin(self, procedure: str) -> None:
        """Name the walk; its screenshot folder starts empty."""
        self.procedure, self._n = procedure, 0
        folder = self.shots / procedure
        if folder.exists():
            shutil.rmtree(folder)

    # --- signing in and out -------------------------------------------------
    def login(self, username: str) -> None:
        """The one typed URL: the login page (whoever is signed in signs out first)."""
        if self.user:
            self.logout()  # signing out lands on the login page
        else:
            self.page.goto(f"{self.site['url']}/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", DEMO_PASSWORD)
        self.page.click("form[action='/login'] button[type=submit]")
        self.page.wait_for_url(f"{self.site['url']}/")
        self.user, self.signed_in_at = username, self.site["clock"].now()

    def logout(self) -> None:
        """Sign out through the header button."""
        self.page.click("header form[action='/logout'] button")
        self.page.wait_for_url("**/login")
        self.user = ""

    def sign_in_as(self, username: str) -> None:
        """Sign in unless that user already is, at this clock: one person's consecutive tasks share a
        session, but a clock moved by days (a timer, a hearing day) has ended it, as it would."""
        if (self.user, self.signed_in_at) != (username, self.site["clock"].now()):
            self.login(username)

    def shot(self, name: str) -> str:
        """A full-page screenshot under the procedure's folder."""
        self._n += 1
        folder = self.shots / self.procedure
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self._n:02d}-{name}.jpg"
        # JPEG: encoded in half the time of PNG on long pages, and as readable.
        self.page.screenshot(path=str(path), full_page=True, type="jpeg", quality=80)
        return str(path)

    # --- starting -------------------------------------------------------------
    def start_from_menu(self, username: str, kind: str, values: dict) -> None:
        """Sign in, open 发起 in the header, the procedure's tile, fill and submit the start form."""
        self.login(username)
        self.page.click("header nav a[href='/procedures/']")
        self.page.click(f"a.tile[href='/procedures/{kind}']")
        self.fill_and_submit(values, f"start-{username}")

    def start_from_case(self, username: str, case_number: str, kind: str, values: dict) -> None:
        """Sign in, open 案件 in the header, the case, its transfer button; fill and submit."""
        self.login(username)
        self.page.click("header nav a[href='/cases/']")
        self.page.click(f"table.list a:has-text('{case_number}')")
        self.page.click(f"a.button[href$='/{kind}']")
        self.fill_and_submit(values, f"start-{username}")

    def fill_and_submit(self, values: dict, name: str) -> None:
        """Fill the page's main form by field name, screenshot it, submit, expect no errors."""
        form = self.page.locator("form#start-form, form.card[method=post]").last
        for key, value in values.items():
            self._set(form, key, value)
        self.shot(name)
        form.locator("button[type=submit]").click()
        self.page.wait_for_load_state()
        errors = self.page.locator(".errors, .field-errors")
        assert errors.count() == 0, f"{self.procedure} start refused: {errors.all_inner_texts()}"
        self.shot(f"{name}-done")

    def _set(self, form, key: str, value) -> None:
        if isinstance(value, int):  # the first N boxes of a checkbox group (e.g. two officers)
            for box in form.locator(f"input[type=checkbox][name='{key}']").all()[:value]:
                box.check()
            return
        if isinstance(value, list):
            for v in value:
                form.locator(f"input[name='{key}'][value='{v}']").check()
            return
        target = form.locator(f"[name='{key}']").first
        tag = target.evaluate("e => e.tagName")
        if tag == "SELECT":
            target.select_option(str(value))
        else:
            target.fill(str(value))

    # --- tasks ----------------------------------------------------------------
    def actor_for(self, task: HumanTask) -> str:
        """The first demo user holding the task's role in the task's organization."""
        with self.site["factory"]() as s:
            names = set(s.scalars(select(User.username).join(Membership).where(
                Membership.organization_id == task.organization_id, Membership.role == task.role)))
        ordered = [u for u in DEMO_ORDER if u in names]
        assert ordered, (f"{self.procedure}: no demo user holds {task.role} in organization "
                         f"{task.organization_id} for task {task.task_spec_name}")
        return ordered[0]

    def do_task(self, task: HumanTask) -> None:
        """Sign in as the actor, reach the task through 待办, fill its form, submit."""
        username = self.actor_for(task)
        self.sign_in_as(username)
        self.page.click("header a.todo")
        self.page.wait_for_url("**/tasks")
        self.page.click(f"table.list a[href='/tasks/{task.id}']")
        self.page.wait_for_url(f"**/tasks/{task.id}")
        form = self.page.locator("#task-form")
        wanted = self.overrides.get(task.task_spec_name, {})
        controls = form.locator("[name]")
        # One read of every control (a round trip each would cost more than the page itself).
        for index, control in enumerate(controls.evaluate_all(CONTROLS_JS)):
            if control["name"] != "csrf_token":
                self._fill_control(controls.nth(index), control, wanted)
        path = self.shot(f"{task.task_spec_name}-{username}")
        form.locator("button[type=submit]").click()
        self.page.wait_for_load_state()
        errors = self.page.locator(".errors, .field-errors")
        assert errors.count() == 0, f"{self.procedure}/{task.task_spec_name}: {errors.all_inner_texts()}"
        assert self.page.locator(".flash.success").count() == 1
        self.steps.append(Step(self.procedure, task.task_spec_name, username, path))

    def _fill_control(self, control, seen: dict, wanted: dict) -> None:
        """Set one control from what the walk wants, else a forward answer; leave pre-filled ones."""
        name, kind = seen["name"], seen["kind"]
        if kind == "INPUT:checkbox":  # item boxes: as the page shows them, unless the walk says
            if isinstance(wanted.get(name), list) and seen["checked"] != (seen["value"] in wanted[name]):
                control.set_checked(seen["value"] in wanted[name])
            return
        if name in wanted:
            value = wanted[name]
        elif kind.startswith("SELECT"):
            options = [o for o in seen["options"] if o]
            value = next((o for o in FORWARD if o in options), options[0] if options else "")
        elif seen["value"]:
            return  # pre-filled (a revision shows the current values)
        elif kind == "INPUT:date" or seen["placeholder"] == "YYYY-MM-DD":
            value = self.today().isoformat()
        elif kind.startswith("TEXTAREA"):
            value = "经审查，同意。"
        elif seen["inputmode"] in ("decimal", "numeric"):
            value = "2"
        else:
            value = "县政府门户网站"
        if kind.startswith("SELECT"):
            control.select_option(str(value))
        else:
            control.fill(str(value))

    def today(self):
        """The site's legal date."""
        return self.site["clock"].today()

    # --- following the procedure to its end ------------------------------------
    def last_instance_id(self) -> int:
        """The newest instance id (0 when none)."""
        with self.site["factory"]() as s:
            return s.scalar(select(func.max(ProcessInstance.id))) or 0

    def walk(self, since: int, limit: int = 40) -> list[ProcessInstance]:
        """Do every open task of the instances started after `since` until all have ended."""
        for _ in range(limit):
            with self.site["factory"]() as s:
                instances = s.scalars(select(ProcessInstance).where(ProcessInstance.id > since)).all()
                tasks = s.scalars(select(HumanTask).where(HumanTask.instance_id > since,
                                                          HumanTask.state.in_(OPEN)).order_by(HumanTask.id)).all()
            assert instances, f"{self.procedure}: nothing started"
            if tasks:
                self.do_task(tasks[0])
                continue
            waiting = [i for i in instances if i.status not in ("completed", "cancelled")]
            if not waiting:
                return instances
            self._wake([i.next_wake_at for i in waiting if i.next_wake_at])
        raise AssertionError(f"{self.procedure}: not finished after {limit} steps")

    def _wake(self, wakes: list) -> None:
        """The scheduler's job, run here: move the clock to the next timer and wake due instances."""
        assert wakes, f"{self.procedure}: instances wait with no task and no timer"
        clock = self.site["clock"]
        clock.set(max(clock.now(), min(wakes)) + timedelta(minutes=1))
        engine = self.site["app"].extensions["quanze"].workflow_engine()
        with self.site["factory"]() as s:
            processes.wake_due_instances(s, engine, clock.now())
            s.commit()
