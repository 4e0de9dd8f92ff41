"""Parse the cell values counties write (Chinese or English) into typed values.

Each parser raises ValueError with a bilingual message; the importers collect those per row.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from models import DelegationMode, ItemCategory

CATEGORY_WORDS = {
    "处罚": ItemCategory.PENALTY, "行政处罚": ItemCategory.PENALTY, "penalty": ItemCategory.PENALTY,
    "检查": ItemCategory.INSPECTION, "行政检查": ItemCategory.INSPECTION,
    "inspection": ItemCategory.INSPECTION,
    "强制": ItemCategory.COERCION, "行政强制": ItemCategory.COERCION,
    "行政强制措施": ItemCategory.COERCION, "coercion": ItemCategory.COERCION,
}
MODE_WORDS = {
    "赋权": DelegationMode.GRANT, "grant": DelegationMode.GRANT,
    "委托": DelegationMode.ENTRUST, "entrust": DelegationMode.ENTRUST,
    "法定": DelegationMode.STATUTORY, "statutory": DelegationMode.STATUTORY,
    "配合": DelegationMode.ASSIST, "协助": DelegationMode.ASSIST, "assist": DelegationMode.ASSIST,
}
TRUE_WORDS = {"是", "true", "yes", "y", "1", "√", "✓"}
FALSE_WORDS = {"否", "false", "no", "n", "0", "×", "✗"}
LIST_SEPARATORS = re.compile(r"[;；、,，\s]+")
DATE_PATTERN = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
# "罚款≥10000", "个人罚款>=1万元", "单位罚款≥10万"
FINE_PATTERN = re.compile(r"^(个人|公民|单位|法人|组织)?罚款(?:≥|>=|＞=)(\d+(?:\.\d+)?)(万)?元?$")
FINE_SUBJECTS = {"个人": ("fine_citizen_gte",), "公民": ("fine_citizen_gte",),
                 "单位": ("fine_org_gte",), "法人": ("fine_org_gte",), "组织": ("fine_org_gte",),
                 None: ("fine_citizen_gte", "fine_org_gte")}


def split_list(text: str) -> list[str]:
    """Items of a list cell separated by ; 、 , or spaces, without blanks or repeats."""
    seen: list[str] = []
    for part in LIST_SEPARATORS.split(text.strip()):
        if part and part not in seen:
            seen.append(part)
    return seen


def parse_category(text: str) -> ItemCategory:
    """处罚/检查/强制 (or the English value); blank means a penalty item."""
    if not text:
        return ItemCategory.PENALTY
    found = CATEGORY_WORDS.get(text.strip().lower())
    if found is None:
        raise ValueError(f"类别“{text}”无效，应为 处罚/检查/强制 / bad category '{text}': "
                         "use penalty/inspection/coercion")
    return found


def parse_mode(text: str) -> DelegationMode:
    """One mode: 赋权/委托/法定/配合 or grant/entrust/statutory/assist."""
    found = MODE_WORDS.get(text.strip().lower())
    if found is None:
        raise ValueError(f"下放方式“{text}”无效，应为 赋权/委托/法定/配合 / bad mode '{text}': "
                         "use grant/entrust/statutory/assist")
    return found


def parse_modes(text: str) -> list[str]:
    """A list of modes separated by ; or 、 as stored in modes_allowed."""
    parts = split_list(text)
    if not parts:
        raise ValueError("下放方式不能为空 / mode is required")
    modes = [parse_mode(p).value for p in parts]
    return list(dict.fromkeys(modes))


def parse_bool(text: str, default: bool) -> bool:
    """是/否, true/false, yes/no, 1/0; blank gives the default."""
    if not text:
        return default
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"“{text}”不是是/否 / '{text}' is not yes/no")


def parse_date(value: object) -> date | None:
    """An ISO date, 2020/3/1, 2020.3.1, 2020年3月1日, or a date cell; blank gives None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = DATE_PATTERN.match(str(value).strip())
    try:
        if match is None:
            raise ValueError
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        raise ValueError(f"日期“{value}”无效，应为 YYYY-MM-DD / malformed date '{value}', "
                         "use YYYY-MM-DD") from None


def parse_decimal(text: str) -> Decimal | None:
    """A money amount in yuan (commas and 元 allowed); blank gives None."""
    if not text:
        return None
    cleaned = text.replace(",", "").replace("，", "").removesuffix("元").strip()
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"金额“{text}”无效 / bad amount '{text}'") from None
    if amount < 0 or not amount.is_finite():
        raise ValueError(f"金额“{text}”不能为负 / amount '{text}' must not be negative")
    return amount


def parse_count(text: str) -> int | None:
    """A non-negative whole number; blank gives None."""
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(f"“{text}”不是非负整数 / '{text}' is not a whole number")
    return int(text)


def parse_major_rule(text: str) -> dict:
    """第58条 major-decision rule: a JSON object, or terms like '听证;罚款≥10000'."""
    if not text:
        return {}
    if text.lstrip().startswith("{"):
        try:
            rule = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"重大决定规则 JSON 无效：{exc.msg} / bad JSON: {exc.msg}") from None
        if not isinstance(rule, dict):
            raise ValueError("重大决定规则应为 JSON 对象 / rule must be a JSON object")
        return rule
    rule: dict = {}
    for term in re.split(r"[;；、,，]+", text):
        _add_rule_term(rule, term.strip())
    return rule


def _add_rule_term(rule: dict, term: str) -> None:
    """Add one term ('听证', '罚款≥N', '单位罚款≥N万') to the rule."""
    if not term:
        return
    if term in {"听证", "hearing"}:
        rule["hearing"] = True
        return
    match = FINE_PATTERN.match(term.replace(" ", ""))
    if match is None:
        raise ValueError(f"无法识别的重大决定条件“{term}”，可用 听证、罚款≥金额、个人/单位罚款≥金额 / "
                         f"unknown rule term '{term}'")
    subject, amount, wan = match.groups()
    value = Decimal(amount) * (10000 if wan else 1)
    for key in FINE_SUBJECTS[subject]:
        rule[key] = int(value) if value == value.to_integral_value() else float(value)
