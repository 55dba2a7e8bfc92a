"""Shared defaults: the customer-service error points, stuck thresholds per status and review rules
(complaint replies and closures reviewed in full, a tenth of repair closures)."""

from django.db import migrations

# code, name, stage, fatal
ERROR_POINTS = [
    ("E01", "类型或分类错误", "dispatch", False),
    ("E02", "派单错误（部门或人员）", "dispatch", False),
    ("E03", "首次答复超时", "first_reply", False),
    ("E04", "记录不完整", "", False),
    ("E05", "答复内容不准确", "first_reply", True),
    ("E06", "用语不文明、态度生硬", "first_reply", True),
    ("E07", "漏回访", "visit", True),
    ("E08", "缺少附件或签字", "handle", False),
    ("E09", "信息录入错误", "dispatch", False),
    ("E10", "复核未发现差错", "", False),
    ("E11", "资料交接不完整或遗失", "handle", True),
    ("E12", "未按时限办结", "handle", False),
]

# status, hours
STUCK = [
    ("new", 2),
    ("dispatched", 4),
    ("accepted", 8),
    ("in_progress", 48),
    ("waiting", 72),
    ("resolved", 72),
    ("qc", 48),
]

# target, kind, mode, share
REVIEW = [
    ("reply", "complaint", "all", 100),
    ("closure", "complaint", "all", 100),
    ("closure", "repair", "share", 10),
]


def seed(apps, schema_editor=None):
    """Also used by tests to put the defaults back after a transactional test's flush (kefu/conftest.py)."""
    ErrorPoint = apps.get_model("quality", "ErrorPoint")
    StuckThreshold = apps.get_model("quality", "StuckThreshold")
    ReviewPolicy = apps.get_model("quality", "ReviewPolicy")
    for i, (code, name, stage, fatal) in enumerate(ERROR_POINTS):
        ErrorPoint.objects.get_or_create(
            project=None, code=code, defaults={"name": name, "stage": stage, "fatal": fatal, "sort": i}
        )
    for item, hours in STUCK:
        StuckThreshold.objects.get_or_create(project=None, item=item, defaults={"hours": hours})
    for target, kind, mode, share in REVIEW:
        ReviewPolicy.objects.get_or_create(
            project=None, target=target, kind=kind, category=None, defaults={"mode": mode, "share_percent": share}
        )


class Migration(migrations.Migration):
    dependencies = [("quality", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
