"""Helpers for CLI commands: error reporting, dates, JSON output."""

from __future__ import annotations

import functools
import json
import sys
from datetime import date

import click

from workflows.core.errors import QuanzeError


def parse_date(_ctx, param, value: str | None) -> date | None:
    """click callback: an ISO date (YYYY-MM-DD) or a clear usage error."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' 不是有效日期，应为 YYYY-MM-DD / not a date (YYYY-MM-DD)") from None


def echo_json(data) -> None:
    """Print JSON with Chinese left readable."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def report_errors(fn):
    """Turn a QuanzeError into a readable message and exit code 2, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except QuanzeError as exc:
            click.echo(f"错误 / error: {exc.message}", err=True)
            errors = exc.details.get("errors")
            if isinstance(errors, dict):
                for fld, msgs in errors.items():
                    for m in msgs:
                        click.echo(f"  {fld}: {m}", err=True)
            elif isinstance(errors, list):
                for row in errors:
                    click.echo(f"  {row}", err=True)
            if "article" in exc.details:
                click.echo(f"  依据 / rule: {exc.details['article']}", err=True)
            sys.exit(2)

    return wrapper
