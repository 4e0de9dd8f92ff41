"""Lanes → roles and organization keys, per process (design.md §3: lanes name roles).

The composition root builds one LaneRegistry from the procedure declarations; the engine asks
it which role a lane's human task goes to and which instance-data key names its organization.
A lane is looked up by its BPMN id, then by its name, first under the task's process, then
under ANY_PROCESS (lanes a site names alike in every file); a lane no declaration covers (or a
task in no lane) gets the registry's default when one is configured, else nothing — and
`quanze bpmn check` then refuses the task unless it names its own role and orgKey.
"""

from __future__ import annotations

from dataclasses import dataclass

ANY_PROCESS = "*"  # register a lane for every process (checked after the process's own lanes)


@dataclass(frozen=True)
class LaneRule:
    """The role a lane's tasks go to and the instance-data key holding the organization id."""

    role: str
    org_key: str

    @classmethod
    def parse(cls, text: str) -> LaneRule:
        """'role:org_key' (the configured default lane, e.g. 'county_officer:department_id')."""
        role, sep, key = (text or "").partition(":")
        if not sep or not role.strip() or not key.strip():
            raise ValueError(f"默认泳道应为 角色:数据键 / default lane must be 'role:org_key', got {text!r}")
        return cls(role.strip(), key.strip())


class LaneRegistry:
    """(process id, lane id or name) → LaneRule, with an optional default for unknown lanes."""

    def __init__(self, default: LaneRule | None = None) -> None:
        self._rules: dict[tuple[str, str], LaneRule] = {}
        self.default = default

    def register(self, process_id: str, lane: str, rule: LaneRule) -> LaneRule:
        """Declare how the lane (its BPMN id) of a process assigns its tasks."""
        self._rules[(process_id, lane)] = rule
        return rule

    def declared(self, process_id: str | None, lane_id: str | None, lane_name: str | None) -> LaneRule | None:
        """The declared rule of the lane (by id, then name); None when no declaration covers it."""
        for process in (process_id, ANY_PROCESS):
            for lane in (lane_id, lane_name):
                if lane and process and (process, lane) in self._rules:
                    return self._rules[(process, lane)]
        return None

    def rule_for(self, process_id: str | None, lane_id: str | None, lane_name: str | None) -> LaneRule | None:
        """The declared rule, else the default (None when neither applies)."""
        return self.declared(process_id, lane_id, lane_name) or self.default
