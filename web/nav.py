"""What every page's header needs: the signed-in user's open-task count (待办)."""

from __future__ import annotations

from flask import Flask, g

from web.auth import current_principal
from web.requests import db
from workflows.tasks.inbox import open_task_count


def todo_count() -> int:
    """Open tasks for the signed-in user's roles, counted once per request (0 when anonymous)."""
    if "todo_count" not in g:
        me = current_principal()
        g.todo_count = open_task_count(db(), me) if me else 0
    return g.todo_count


def count_known(count: int) -> None:
    """A page that counted the same open tasks (the unfiltered inbox) spares the header a second count."""
    g.todo_count = count


def init_app(app: Flask) -> None:
    """Expose `todo_count()` to templates."""
    app.jinja_env.globals.update(todo_count=todo_count)
