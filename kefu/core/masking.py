"""Masking of personal data shown in lists, pages and exports."""


def mask_phone(value: str) -> str:
    """138****5678 for mobiles; keep the area code and last 2 digits of landlines."""
    v = (value or "").strip()
    digits = [c for c in v if c.isdigit()]
    if len(digits) >= 11 and v.isdigit():
        return v[:3] + "****" + v[-4:]
    if len(v) >= 7:
        return v[:4] + "*" * (len(v) - 6) + v[-2:]
    if len(v) > 2:
        return "*" * (len(v) - 2) + v[-2:]
    return "*" * len(v)


def mask_id_number(value: str) -> str:
    """110101********1234: first 6 and last 4 kept."""
    v = (value or "").strip()
    if len(v) > 10:
        return v[:6] + "*" * (len(v) - 10) + v[-4:]
    if len(v) > 4:
        return "*" * (len(v) - 4) + v[-4:]
    return "*" * len(v)


def mask_email(value: str) -> str:
    v = (value or "").strip()
    if "@" not in v:
        return mask_phone(v)
    user, _, domain = v.partition("@")
    return (user[:1] + "***" if user else "") + "@" + domain


def mask_wechat(value: str) -> str:
    v = (value or "").strip()
    return v[:2] + "***" + v[-1:] if len(v) > 3 else "***"
