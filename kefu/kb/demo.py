"""Demo knowledge base for `manage.py seed_demo`, made through kefu.kb.services.

- 答客问: about twenty questions residents of 阳光花园 ask (fees, parking, access cards, repairs,
  renovation, lifts, pets, rubbish), two shared by every project (how to report and rate on 微物业) and
  two of the office tower 国贸中心大厦;
- 服务用语: the head office's standard phrases by scene, after the sources' 回访标准服务用语 (greeting,
  intake, soothing, waiting, referring, return visits, arrears reminders, closing), plus two of 阳光花园;
- 常用回复: shared replies with placeholders, two of 阳光花园 and the agent kefu1's personal signature.

Written by the demo's head office (zongbu) and the projects' managers; skipped when any FAQ exists.
"""

from __future__ import annotations

from typing import Any

from kefu.org.models import Project, User

from . import services
from .models import FaqArticle, Phrase

# (project code or None for shared, category, question, keywords, answer)
FAQ: list[tuple[str | None, str, str, str, str]] = [
    (
        "YGHY",
        "物业费",
        "物业费怎么缴纳？可以在线交吗？",
        "交物业费 缴费 交费 支付 微信 在线缴费",
        "可以，物业费有三种缴纳方式：\n"
        "1. 微物业在线缴纳：打开「我的」→「物业缴费」，选择房屋和月份后用微信支付；\n"
        "2. 到物业服务中心前台缴纳（1号楼底商，工作日 8:30-17:30，周末 9:00-17:00），支持刷卡和扫码；\n"
        "3. 银行代扣：携带银行卡和身份证到前台签订代扣协议，每季度首月自动扣款。\n"
        "缴费后可在前台或微物业申请开具电子发票。",
    ),
    (
        "YGHY",
        "物业费",
        "物业费的收费标准是多少？",
        "单价 多少钱 收费标准 每平米",
        "阳光花园物业费按房屋产权面积计收：\n"
        "高层住宅 2.80 元/平方米·月，多层住宅 2.20 元/平方米·月，沿街商铺 5.50 元/平方米·月。\n"
        "物业费按季度预交，收费标准已在物价部门备案，并在各楼栋公示栏和服务中心公示。",
    ),
    (
        "YGHY",
        "物业费",
        "房子空置没人住，物业费可以减免吗？",
        "空置 空房 减免 打折 没住",
        "经核实连续空置 6 个月以上的房屋，可到服务中心前台申请按标准的 70% 缴纳物业费。\n"
        "需填写《空置房屋申请表》，并配合工作人员查验水、电表读数；入住或出租后请及时告知服务中心。",
    ),
    (
        "YGHY",
        "物业费",
        "物业费发票怎么开？",
        "发票 电子发票 收据 报销 开票",
        "在微物业「我的」→「缴费记录」中选择要开票的记录，填写抬头和税号即可申请电子发票，"
        "1 个工作日内发送到您预留的邮箱。\n如需纸质发票，请带缴费凭证到服务中心前台办理。",
    ),
    (
        "YGHY",
        "停车",
        "停车费怎么交？月卡怎么续费？",
        "停车费 停车缴费 月卡 续费 缴费 交费 车位费",
        "月租车位续费：在微物业「我的」→「停车缴费」中选择车牌，按月、季或年续费；"
        "也可以到服务中心前台或地库入口岗亭办理。\n"
        "请在月卡到期前 3 天内续费，过期后车辆出场将按临时停车收费。\n"
        "临时停车：出场时在岗亭扫码支付即可。",
    ),
    (
        "YGHY",
        "停车",
        "临时停车怎么收费？",
        "临停 访客车辆 收费标准 外来车辆",
        "访客车辆进入小区首 30 分钟免费，之后每小时 3 元，24 小时内最高收费 30 元。\n"
        "业主亲友来访可提前在微物业登记访客车辆，登记车辆当天免费停放 4 小时。",
    ),
    (
        "YGHY",
        "停车",
        "如何租用地下车库的月租车位？",
        "租车位 办卡 车位出租 地库 月租",
        "请携带行驶证、驾驶证、身份证和房产证明（或租赁合同）到服务中心前台登记，"
        "有空余车位时按登记顺序办理，业主优先。\n"
        "月租费用：地下车位 300 元/月，地面车位 200 元/月。",
    ),
    (
        "YGHY",
        "门禁",
        "门禁卡丢了怎么补办？",
        "门禁卡 补卡 丢失 挂失 门卡",
        "请先拨打服务中心电话 010-84712345 挂失，避免被他人使用。\n"
        "然后携带身份证到服务中心前台补办，工本费 20 元/张，当场可以取卡。"
        "租户补卡需业主同意或出示有效租赁合同。",
    ),
    (
        "YGHY",
        "门禁",
        "可以刷脸或用手机开门禁吗？",
        "人脸 刷脸 手机开门 人脸识别 二维码",
        "可以。在微物业「我的」→「门禁」中按提示录入人脸，审核通过后即可在单元门和小区出入口刷脸通行；"
        "同一页面也可以生成开门二维码，供家人临时使用。",
    ),
    (
        "YGHY",
        "门禁",
        "亲友、快递和外卖怎么进小区？",
        "访客 快递 外卖 登记 来访",
        "亲友来访：可在微物业「访客邀请」中生成访客二维码发给亲友，凭码进入；也可由门岗与您电话确认后登记进入。\n"
        "快递：统一送到小区北门快递驿站，凭取件码领取；大件可预约送货上门。\n"
        "外卖：外卖员在门岗登记后送达楼下，请您下楼领取。",
    ),
    (
        "YGHY",
        "报修",
        "家里水管漏水怎么报修？",
        "漏水 水管 报修 维修 渗水 爆管",
        "请在微物业首页点「报事」，选择「报修」，拍下漏水位置的照片，填写预约上门时间后提交。\n"
        "如果漏水较大，请先关闭户内总阀门，再拨打服务中心 24 小时电话 010-84712345，维修人员 15 分钟内到场。",
    ),
    (
        "YGHY",
        "报修",
        "户内维修收费吗？",
        "收费 有偿维修 维修费 价格 保修",
        "公共部位和公共设施的维修不收费。\n"
        "户内属于业主自用部分的维修（如更换水龙头、灯具、疏通下水）为有偿服务，按《有偿服务收费标准》收取材料费和人工费，"
        "维修前会先告知报价，经您确认后再施工。\n"
        "在保修期内的房屋质量问题由开发商负责维修，服务中心可协助您联系。",
    ),
    (
        "YGHY",
        "报修",
        "报修后多久能上门？",
        "上门 多长时间 多久 到场 预约",
        "报修受理后 30 分钟内会有维修人员与您联系，一般 2 小时内上门，也可以按您预约的时间上门。\n"
        "停水停电、大量漏水、电梯困人等紧急情况 15 分钟内到场。\n"
        "您可以在微物业「我的报事」中随时查看处理进度。",
    ),
    (
        "YGHY",
        "装修",
        "装修需要办理什么手续？",
        "装修申请 装修许可 押金 装修证 装修登记",
        "开工前请到服务中心办理装修登记：\n"
        "1. 携带房产证明、身份证、装修图纸和装修公司营业执照复印件；\n"
        "2. 签订《装修管理服务协议》，缴纳装修押金 2000 元（验收合格后无息退还）；\n"
        "3. 为施工人员办理出入证，领取《装修许可证》并张贴在入户门上。\n"
        "改动燃气、承重墙和外立面须另行报批，严禁擅自施工。",
    ),
    (
        "YGHY",
        "装修",
        "装修施工时间有什么规定？",
        "施工时间 噪音 周末 节假日 电钻",
        "工作日施工时间为 8:00-12:00、14:00-18:00；\n"
        "周六、周日和法定节假日不得进行电钻、切割、敲打等产生噪音的施工，只可进行无噪音的零星工作。\n"
        "如遇邻居投诉噪音，请配合服务中心调整施工安排。",
    ),
    (
        "YGHY",
        "装修",
        "装修垃圾怎么处理？",
        "建筑垃圾 装修垃圾 清运 渣土",
        "装修垃圾须装袋后运到地库 B1 层装修垃圾暂存点，不得堆放在楼道和公共区域，不得投入生活垃圾桶。\n"
        "物业每周二、周五统一清运，清运费按《装修管理服务协议》标准收取。",
    ),
    (
        "YGHY",
        "公共设施",
        "被困在电梯里怎么办？",
        "电梯 困人 故障 紧急 关在电梯",
        "请保持冷静，不要强行扒门或试图从轿厢顶部爬出。\n"
        "按下电梯内的警铃或对讲按钮与监控中心通话，告诉我们所在楼栋和电梯；也可以拨打 010-84712345。\n"
        "工作人员 15 分钟内到场救援，电梯维保单位 30 分钟内到场。",
    ),
    (
        "YGHY",
        "环境",
        "小区里养狗有什么规定？",
        "宠物 养犬 遛狗 狗证 牵绳",
        "请到所在街道办理养犬登记并按时为犬只注射疫苗；\n"
        "遛狗时请使用牵引绳，进出电梯主动避让其他住户，及时清理犬只粪便；\n"
        "大型犬和烈性犬按当地规定禁止饲养。",
    ),
    (
        "YGHY",
        "环境",
        "垃圾分类怎么投放？",
        "垃圾分类 厨余垃圾 可回收物 有害垃圾 投放时间",
        "各楼栋旁设有分类投放点：厨余垃圾（绿色桶）、可回收物（蓝色桶）、有害垃圾（红色桶）、其他垃圾（灰色桶）。\n"
        "厨余垃圾定时投放时间为每天 7:00-9:00、18:00-21:00，请破袋投放。大件家具请联系服务中心预约清运。",
    ),
    (
        "YGHY",
        "入住",
        "新业主入住要办理什么手续？",
        "入住 收房 交房 新业主 办理入住",
        "请携带购房合同、身份证和开发商出具的《入住通知书》到服务中心办理：\n"
        "1. 核对房屋信息，填写《业主信息登记表》，建立客户档案；\n"
        "2. 与工作人员一起验房，记录需要整改的问题；\n"
        "3. 签订《前期物业服务协议》，领取钥匙、门禁卡和《业主手册》。",
    ),
    (
        None,
        "其他",
        "怎么在微物业上报事（报修、投诉、建议）？",
        "报事 投诉 建议 咨询 在线 提交",
        "在微物业首页点「报事」，选择类型（报修、投诉、建议或咨询），填写内容并可上传照片，"
        "选择房屋或公共区域位置后提交。\n"
        "提交后会生成工单号，您可以在「我的报事」中查看处理进度、补充信息；尚未派单前可以取消。",
    ),
    (
        None,
        "其他",
        "问题处理完了，怎么评价服务？",
        "评价 满意度 打分 不满意",
        "工单办结后，您会在「我的报事」中看到「待评价」。请按星级打分，选择标签并写下意见。\n"
        "如果您对处理结果不满意，我们会安排专人回访并重新处理。",
    ),
    (
        "GMZX",
        "门禁",
        "访客怎么进入写字楼？",
        "访客 登记 闸机 来访 预约",
        "请被访公司提前在前台或系统中登记访客预约，访客到达后在大堂访客机刷身份证领取临时通行码；"
        "未预约的访客请到一层前台登记，经被访公司确认后进入。",
    ),
    (
        "GMZX",
        "公共设施",
        "周末加班需要空调怎么申请？",
        "加班空调 空调 延时 周末",
        "非工作时间使用空调，请提前一个工作日由公司行政人员在客服前台填写《延时空调申请单》，"
        "按实际使用时长和面积计费。",
    ),
]

# (project code or None, scene, title, body)
PHRASES: list[tuple[str | None, str, str, str]] = [
    (None, "greeting", "电话接听", "您好，物业服务中心，工号××为您服务，请问有什么可以帮您？"),
    (None, "greeting", "来访接待", "您好，欢迎来到物业服务中心！请坐，请问有什么可以帮您？"),
    (
        None,
        "intake",
        "报修受理确认",
        "×先生/女士，您反映的问题我已经记录下来了：……（简要复述问题）。"
        "我们会在 30 分钟内安排维修人员与您联系，请问您方便的上门时间是什么时候？",
    ),
    (None, "soothing", "客户情绪激动时", "对不起，请您慢慢说，好吗？我一定会帮您解决的。"),
    (None, "soothing", "客户抱怨时", "对不起，给您造成了不便，敬请原谅。我们马上为您处理。"),
    (None, "soothing", "客户责备动作慢时", "对不起，让您久等了，我们会尽快帮您解决。"),
    (
        None,
        "soothing",
        "客户要求找领导时",
        "对不起，我们每个人都有自己的职责，请您放心，我们会按公司的制度处理。"
        "您这个问题属于我的职责范围，请您交给我为您处理好吗？",
    ),
    (
        None,
        "waiting",
        "请客户稍候",
        "×先生/女士，麻烦您稍等×分钟，我帮您查一查。\n（再次接起）对不起，让您久等了，关于……",
    ),
    (
        None,
        "refusal",
        "超出权限无法马上答复",
        "对不起！您提出的这种情况我们现在暂时无法答复您。我已经将您的问题做了记录，您的意思是……（简短复述）。"
        "我会尽快与您联系，请问今天都可以用这个电话联系到您吗？",
    ),
    (
        None,
        "refusal",
        "要求无法满足时",
        "对不起，我们暂时没有这项服务。我们会将您提出的要求转交相关部门，希望不久的将来能满足您的需要。",
    ),
    (
        None,
        "visit",
        "回访开场",
        "您好，我是物业服务中心的客服人员，请问是×先生/女士吗？您×月×日反映的……已经处理完毕，"
        "想占用您一分钟做个回访，请问现在方便吗？\n"
        "（客户没时间）不好意思打扰您了，请问您什么时候方便，我再给您打过来？",
    ),
    (
        None,
        "visit",
        "电话无声或听不清",
        "您好！我是物业服务中心的客服人员，请问您现在方便吗？\n"
        "（仍无回应，再重复两次）您好？您好？对不起，您的电话没有声音，我稍后再给您打过来，再见！",
    ),
    (
        None,
        "closing",
        "结束语",
        "请问还有什么需要帮助的吗？谢谢您对我们工作的支持，再见！\n（等客户挂机后再挂电话）",
    ),
    (
        "YGHY",
        "arrears",
        "物业费催缴（电话）",
        "×先生/女士您好，我是阳光花园物业服务中心的客服。提醒您：您家本季度的物业费还未缴纳，"
        "您可以通过微物业在线缴纳，或到服务中心前台办理。如果对费用有疑问，欢迎随时来电或到前台咨询，谢谢！",
    ),
    (
        "YGHY",
        "intake",
        "停水停电咨询答复",
        "×先生/女士，您好。今天的停水（停电）是因为……，预计……恢复，通知已在各单元公告栏和微物业发布。"
        "给您带来不便，非常抱歉，恢复后我们会第一时间通知您。",
    ),
]

# (owner username or None, project code or None, title, body)
CANNED: list[tuple[str | None, str | None, str, str]] = [
    (
        None,
        None,
        "报修已受理",
        "{客户称呼}您好，您的报修已受理（工单号 {工单号}），维修人员将于{预约时间}上门，届时请家中留人。"
        "如需改约请致电 {客服电话}。\n{项目名称}物业服务中心",
    ),
    (
        None,
        None,
        "已安排处理",
        "{客户称呼}您好，您反映的“{工单摘要}”已安排{处理人}处理，处理完成后我们会及时告知您。工单号：{工单号}。",
    ),
    (
        None,
        None,
        "投诉 24 小时内答复",
        "{客户称呼}您好，您于{受理时间}反映的问题我们非常重视，已转交{处理部门}核实处理，"
        "我们会在 24 小时内给您明确答复。给您带来不便，敬请谅解。",
    ),
    (
        None,
        None,
        "处理完成请评价",
        "{客户称呼}您好，您的工单 {工单号} 已处理完毕。请在微物业「我的报事」中对本次服务进行评价，"
        "您的意见是我们改进的动力。",
    ),
    (
        None,
        None,
        "上门时间改期",
        "{客户称呼}您好，非常抱歉，原定{预约时间}的上门因……需要改期，我们会尽快与您重新约定时间。"
        "如有疑问请致电 {客服电话}。",
    ),
    (
        None,
        "YGHY",
        "请补充现场照片",
        "{客户称呼}您好，为尽快处理您反映的问题，麻烦您在微物业工单 {工单号} 中补充现场照片，谢谢配合！",
    ),
    (
        None,
        "YGHY",
        "公共区域已安排保洁",
        "{客户称呼}您好，您反映的{房号}附近卫生问题已通知保洁班，预计 1 小时内清理完毕，感谢您的监督。",
    ),
    ("kefu1", None, "我的签名", "如有疑问请随时联系我：{坐席姓名}，{项目名称}物业服务中心，电话 {客服电话}。"),
]


def _author(project: Project | None, by_project: dict[str | None, User | None]) -> User | None:
    return by_project.get(project.code if project is not None else None)


def seed(stdout: Any = None) -> dict[str, int]:
    """Make the demo knowledge base. Returns the counts; does nothing when FAQ articles already exist."""
    if FaqArticle.objects.exists():
        return {"faq": 0, "phrases": 0, "canned": 0}
    projects = {p.code: p for p in Project.objects.filter(code__in=["YGHY", "GMZX"])}
    users = {u.username: u for u in User.objects.filter(username__in=["zongbu", "jingli", "gmjingli", "kefu1"])}
    authors: dict[str | None, User | None] = {
        None: users.get("zongbu"),
        "YGHY": users.get("jingli"),
        "GMZX": users.get("gmjingli"),
    }
    counts = {"faq": 0, "phrases": 0, "canned": 0}
    for sort, (code, category, question, keywords, answer) in enumerate(FAQ, start=1):
        project = projects.get(code) if code else None
        actor = _author(project, authors)
        if actor is None or (code and project is None):
            continue
        services.faq_save(
            actor=actor,
            project=project,
            category=category,
            question=question,
            answer=answer,
            keywords=keywords,
            sort=sort * 10,
        )
        counts["faq"] += 1
    # A few reads, so the list shows what residents open most.
    for question, views in (("停车费怎么交？月卡怎么续费？", 86), ("物业费怎么缴纳？可以在线交吗？", 124)):
        FaqArticle.objects.filter(question=question).update(view_count=views)
    for sort, (code, scene, title, body) in enumerate(PHRASES, start=1):
        project = projects.get(code) if code else None
        actor = _author(project, authors)
        if actor is None or (code and project is None) or scene not in Phrase.Scene.values:
            continue
        services.phrase_save(actor=actor, project=project, scene=scene, title=title, body=body, sort=sort * 10)
        counts["phrases"] += 1
    for sort, (owner, code, title, body) in enumerate(CANNED, start=1):
        project = projects.get(code) if code else None
        actor = users.get(owner) if owner else _author(project, authors)
        if actor is None or (code and project is None):
            continue
        services.canned_save(
            actor=actor, personal=owner is not None, project=project, title=title, body=body, sort=sort * 10
        )
        counts["canned"] += 1
    if stdout is not None:
        stdout.write(
            f"知识库：答客问 {counts['faq']} 条，服务用语 {counts['phrases']} 条，常用回复 {counts['canned']} 条"
        )
    return counts
