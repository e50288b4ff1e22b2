"""Content rules of a 需求/供给 shared by the forms and catalog.services.items_upsert (API, import).

Written once here so a form, the API and an Excel import refuse the same input with the same words.
"""

import re

# Mobile 1[3-9]xxxxxxxxx (optionally +86); landline with area code, optional extension.
PHONE_RE = re.compile(r"^(?:(?:\+?86[- ]?)?1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:(?:-|转|#|分机)\d{1,6})?)$")
PHONE_MESSAGE = "请填写正确的手机号（11位）或带区号的固定电话，如 0537-2345678"
DESCRIPTION_MIN = 20
DESCRIPTION_HINTS = {
    "需求": "请写清要解决的问题、应用场景、主要指标或数量要求，便于供给方判断能否对接",
    "供给": "请写清能提供的产品或服务、技术特点或指标、已有应用案例，便于需求方判断能否对接",
}


def normalize_phone(value):
    """Spaces dropped, full-width digits and dashes made half-width: what people type from a card."""
    value = (value or "").strip()
    value = value.translate(str.maketrans("０１２３４５６７８９－—＋", "0123456789--+"))
    return re.sub(r"\s+", "", value)


def phone_error(value):
    """The message for a bad 联系电话, or None when it is a Chinese mobile or landline number."""
    return None if PHONE_RE.match(normalize_phone(value)) else PHONE_MESSAGE


def description_length(value):
    """Characters a reader sees (whitespace not counted)."""
    return len("".join((value or "").split()))


def description_error(value, item_word):
    """The message for a too-short 需求/供给描述, or None."""
    used = description_length(value)
    if used >= DESCRIPTION_MIN:
        return None
    hint = DESCRIPTION_HINTS.get(item_word, "请写清具体内容")
    return f"{item_word}描述至少 {DESCRIPTION_MIN} 字（当前 {used} 字）：{hint}。"
