"""Helpers for accounts tests: valid 统一社会信用代码 and sign-up form data."""

from accounts.services import CREDIT_CODE_ALPHABET, CREDIT_CODE_WEIGHTS


def credit_code(body17="91370800MA3C4F5X1"):
    """A code with a correct GB 32100 check character for the given first 17 characters."""
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * w for ch, w in zip(body17, CREDIT_CODE_WEIGHTS, strict=True))
    return body17 + CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def signup_data(**overrides):
    data = {
        "username": "zhangwei",
        "display_name": "张伟",
        "email": "zhangwei@jining.gov.cn",
        "phone": "13805371234",
        "password1": "Jinglu#2026abc",
        "password2": "Jinglu#2026abc",
        "org_action": "create",
        "org_name": "济宁市任城区工业和信息化局",
        "org_kind": "government",
        "org_region": "济宁市任城区",
        "org_credit_code": "",
        "join_org_name": "",
    }
    data.update(overrides)
    return data
