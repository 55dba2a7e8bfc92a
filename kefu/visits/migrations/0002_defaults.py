"""Shared defaults: a return-visit policy per case kind and the standard scripts (回访标准用语).
Managers change them on the visit settings page; a project may add its own."""

from django.db import migrations

# kind, rule, assign to, due hours
POLICIES = [
    ("complaint", "always", "complaint_officer", 24),
    ("repair", "always", "steward", 48),
    ("suggestion", "always", "steward", 72),
    ("help", "always", "steward", 48),
    ("special_service", "always", "steward", 48),
    ("consultation", "unless_rated", "steward", 72),
    ("praise", "never", "steward", 72),
]

SCRIPTS = [
    (
        "case",
        "",
        "工单回访通用话术",
        "您好，请问是{客户称呼}吗？我是{项目}客服中心的{回访人}。您在{受理时间}反映的“{工单摘要}”"
        "已于{办结时间}处理完毕（{处理结果}）。想跟您确认一下问题是否已经解决？您对这次处理满意吗？"
        "请用 1 到 5 分评价：5 分非常满意，1 分非常不满意。感谢您的支持，有需要请拨打{服务电话}。",
    ),
    (
        "case",
        "complaint",
        "投诉回访话术",
        "您好，{客户称呼}，我是{项目}客服中心的{回访人}。关于您{受理时间}投诉的“{工单摘要}”（工单号{工单号}），"
        "我们已经处理：{处理结果}。请问您对处理结果是否认可？问题是否已经彻底解决？"
        "给您带来不便，我们深表歉意。请您对本次处理打个分（1-5 分）。",
    ),
    (
        "plan",
        "",
        "季度走访话术",
        "您好，{客户称呼}，我是负责您所在区域的管家{回访人}。今天来做季度走访，想了解您对我们服务的意见："
        "家里的水电、门窗、公共设施有没有需要维修的？对秩序、停车、保洁和绿化有什么建议？"
        "您反映的问题我会记录下来并尽快安排处理。",
    ),
    (
        "survey",
        "",
        "满意度调查跟进话术",
        "您好，{客户称呼}，我是{项目}的{回访人}。在这次满意度调查中您对我们的服务不太满意，"
        "想当面听听您的具体意见，看看哪些地方我们可以马上改进。",
    ),
]


def seed(apps, schema_editor=None):
    """Also used by tests to put the defaults back after a transactional test's flush (kefu/conftest.py)."""
    VisitPolicy = apps.get_model("visits", "VisitPolicy")
    VisitScript = apps.get_model("visits", "VisitScript")
    for kind, rule, assign_to, due in POLICIES:
        VisitPolicy.objects.get_or_create(
            project=None,
            kind=kind,
            category=None,
            defaults={"rule": rule, "assign_to": assign_to, "due_hours": due},
        )
    for purpose, kind, name, body in SCRIPTS:
        VisitScript.objects.get_or_create(project=None, purpose=purpose, kind=kind, name=name, defaults={"body": body})


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
