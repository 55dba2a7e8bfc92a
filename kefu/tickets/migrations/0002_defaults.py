"""Shared defaults for every installation: the holiday calendar from chinese-calendar (2004-2026),
a category tree per kind and SLA policies (complaints: first reply in 24 natural hours)."""

from django.db import migrations

HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}  # fmt: skip

CATEGORIES = {
    "repair": [
        ("SD", "水电", "水电", [("SD-LS", "漏水渗水"), ("SD-TS", "停水停电"), ("SD-DJ", "灯具开关插座"), ("SD-DS", "下水堵塞")]),
        ("TJ", "土建", "土建", [("TJ-QM", "墙面地面"), ("TJ-MC", "门窗"), ("TJ-FS", "防水")]),
        ("DT", "电梯", "电梯", [("DT-GZ", "电梯故障"), ("DT-KR", "电梯困人")]),
        ("ZN", "智能化", "智能化", [("ZN-MJ", "门禁对讲"), ("ZN-JK", "监控"), ("ZN-TC", "停车道闸")]),
    ],
    "complaint": [
        ("FW", "服务态度", "客服", []), ("WX", "维修质量", "工程", []), ("ZX", "秩序安全", "秩序", []),
        ("HJ", "环境卫生与绿化", "环境", []), ("TC", "停车管理", "秩序", []), ("ZY", "噪音扰民", "秩序", []),
        ("SF", "收费争议", "客服", []),
    ],
    "consultation": [("SF", "收费标准", "客服", []), ("ZX", "装修办理", "客服", []), ("BS", "办事指南", "客服", [])],
    "suggestion": [("FW", "服务改进", "客服", []), ("SS", "设施设备", "工程", [])],
    "help": [("JJ", "紧急求助", "秩序", []), ("SH", "生活帮助", "客服", [])],
    "praise": [("RY", "表扬员工", "客服", [])],
    "special_service": [("JZ", "家政保洁", "环境", []), ("JD", "家电维修", "工程", []), ("GD", "管道疏通", "工程", [])],
}  # fmt: skip

# kind, name, first reply (h), resolution value, unit
POLICIES = [
    ("complaint", "投诉：24小时答复，3个工作日办结", 24, 3, "working_days"),
    ("repair", "报修：24小时内修复", None, 24, "hours"),
    ("consultation", "咨询：4小时内答复", None, 4, "hours"),
    ("suggestion", "建议：5个工作日内答复", None, 5, "working_days"),
    ("help", "求助：2小时内处理", None, 2, "hours"),
    ("praise", "表扬：3个工作日内反馈", None, 3, "working_days"),
    ("special_service", "特约服务：按预约，2个工作日内完成", None, 2, "working_days"),
]


def seed(apps, schema_editor=None):
    """Also used by tests to put the defaults back after a transactional test's flush (kefu/conftest.py)."""
    import chinese_calendar

    CalendarDay = apps.get_model("tickets", "CalendarDay")
    CalendarYear = apps.get_model("tickets", "CalendarYear")
    Category = apps.get_model("tickets", "Category")
    SlaPolicy = apps.get_model("tickets", "SlaPolicy")
    days = []
    for day, name in chinese_calendar.holidays.items():
        if day.weekday() < 5:
            days.append(CalendarDay(date=day, is_workday=False, name=HOLIDAY_NAMES.get(name or "", name or "")))
    for day, name in chinese_calendar.workdays.items():
        if day.weekday() >= 5:
            days.append(CalendarDay(date=day, is_workday=True, name=f"{HOLIDAY_NAMES.get(name or '', name or '')}调休上班"))
    CalendarDay.objects.bulk_create(days, ignore_conflicts=True)
    years = sorted({d.year for d in chinese_calendar.holidays})
    CalendarYear.objects.bulk_create([CalendarYear(year=y) for y in years], ignore_conflicts=True)
    for kind, tree in CATEGORIES.items():
        for sort, (code, name, trade, children) in enumerate(tree):
            parent = Category.objects.create(kind=kind, code=code, name=name, trade=trade, sort=sort)
            for csort, (ccode, cname) in enumerate(children):
                Category.objects.create(kind=kind, code=ccode, name=cname, trade=trade, parent=parent, sort=csort)
    for kind, name, first_reply, value, unit in POLICIES:
        SlaPolicy.objects.create(kind=kind, name=name, first_reply_hours=first_reply, resolution_value=value,
                                 resolution_unit=unit)
    # An urgent repair (e.g. 电梯困人) is due in 2 hours.
    SlaPolicy.objects.create(kind="repair", priority="urgent", name="特急报修：2小时内处置", resolution_value=2,
                             resolution_unit="hours", warn_percent=50)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
