"""The workflow engine on SpiffWorkflow 3.2.0; the only package that imports it (see README.md)."""

from workflows.engine.engine import Engine, StepFailed
from workflows.engine.sandbox import ScriptRefused, check_source

__all__ = ["Engine", "ScriptRefused", "StepFailed", "check_source"]
