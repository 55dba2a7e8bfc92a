"""Demo cases for `manage.py seed_demo`: four months of a service desk's work, made through the services.

Every case is created and moved along by kefu.tickets.services with `now=` set to a plausible moment
(created during the day, dispatched minutes later, resolved within or sometimes past its time limit),
so the timelines, SLA dates, notifications and search documents are exactly what real use would have
written. A step that would fall after the present is not taken: recent cases are still open, some in the
grab pool, some waiting; a few older ones are stuck and overdue.

Resolving a case brings its return visit (kefu.visits.services.on_case_resolved; a praise closes at once).
What happens next is the caller's `after_resolve` hook: kefu/visits/demo.py makes the call-backs, which
close the case or send it back for rework. The work orders of a split case get no call-back: the desk
closes them when the case is resolved.

While the cases are made, `django.utils.timezone.now` follows the simulated clock, so the rows stamped
automatically (notifications, `updated_at`) carry the historical time too. Fixed random seed: every run
makes the same choices relative to today; which of the last steps are already taken depends on the hour.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from kefu.customers.models import Contact, Customer, Occupancy, Unit
from kefu.notify.models import Notification
from kefu.org.models import Department, Membership, Project, User
from kefu.org.roles import Role

from . import search, services
from .models import Case, Category
from .services import DispatchMode, Part
from .states import OPEN_STATUSES, Channel, Kind, Priority, Status, WaitReason

SEED = 20261122
DAYS = 120

# Cases per project code: (full, small).
VOLUME = {"YGHY": (1500, 60), "GMZX": (300, 20)}

# A category's trade → the department (code) that does the work.
TRADE_DEPARTMENT = {
    "水电": "GC-SD",
    "工程": "GC-SD",
    "土建": "GC-TJ",
    "电梯": "GC-ZN",
    "智能化": "GC-ZN",
    "秩序": "ZX",
    "环境": "HJ",
    "客服": "KF-QT",
}

# (title, description, public area?) per (kind, category code). Placeholders: {bld} building, {ent} entrance,
# {fl}/{fl2} floors, {room} unit code, {place} a public place, {fixer}/{steward}/{agent} a member of staff.
T = tuple[str, str, bool]
RESIDENTIAL: dict[tuple[str, str], list[T]] = {
    ("repair", "SD-LS"): [
        ("卫生间漏水", "业主来电反映卫生间顶部漏水，怀疑楼上防水层损坏，水滴到吊顶上，请尽快安排维修。", False),
        ("厨房水管漏水", "厨房洗菜盆下方水管接头漏水，地面已有积水，业主已自行关闭总阀。", False),
        ("阳台渗水", "下雨后阳台墙角渗水，墙皮起泡脱落。", False),
        ("暖气片漏水", "客厅暖气片阀门处滴水，需要更换阀门。", False),
        ("楼上漏水到我家", "主卧天花板有水渍并持续滴水，楼上住户不在家，请协助联系。", False),
        ("水表井漏水", "{bld}号楼{ent}单元一楼水表井内管道漏水，水已漫到楼道。", True),
    ],
    ("repair", "SD-TS"): [
        ("家里突然停电", "业主反映家中突然停电，空开无法合上，同楼层其他住户正常。", False),
        ("整栋楼停水", "{bld}号楼整栋停水，业主询问原因及恢复时间。", True),
        ("户内频繁跳闸", "使用热水器时频繁跳闸，请电工上门检查线路。", False),
        ("水压太低", "早晚高峰水压很低，热水器无法点火。", False),
    ],
    ("repair", "SD-DJ"): [
        ("楼道灯不亮", "{bld}号楼{ent}单元{fl}层楼道声控灯不亮，晚上出行不便。", True),
        ("插座冒火花", "厨房插座插电器时冒火花，有焦糊味，请尽快检修。", False),
        ("地下车库照明损坏", "{place}多盏照明灯不亮，停车取车看不清。", True),
    ],
    ("repair", "SD-DS"): [
        ("卫生间下水堵塞", "卫生间地漏下水慢，有返味。", False),
        ("厨房下水道堵塞", "厨房下水道堵塞，水池积水排不下去。", False),
        ("马桶堵塞", "马桶堵塞，业主自行疏通无效。", False),
        ("污水井冒水", "{bld}号楼门前污水井冒水，气味很大。", True),
    ],
    ("repair", "TJ-QM"): [
        ("墙面开裂", "客厅墙面出现多条裂缝，业主担心房屋质量。", False),
        ("地砖空鼓", "卫生间地砖空鼓，踩上去有响声，部分已翘起。", False),
        ("外墙瓷砖脱落", "{bld}号楼外墙有瓷砖脱落，存在安全隐患，请尽快处理。", True),
    ],
    ("repair", "TJ-MC"): [
        ("入户门关不上", "入户门变形，关门费力，锁舌对不上。", False),
        ("窗户密封条老化", "卧室窗户密封条老化，刮风时漏风有噪音。", False),
        ("单元门闭门器坏了", "{bld}号楼{ent}单元门闭门器损坏，门关不严。", True),
    ],
    ("repair", "TJ-FS"): [
        ("顶层漏雨", "顶层住户反映下雨时屋顶漏雨，卧室墙面发霉。", False),
        ("地下室渗水", "地下储藏室墙面渗水，物品受潮。", False),
    ],
    ("repair", "DT-GZ"): [
        ("电梯异响", "{bld}号楼{ent}单元电梯运行时有异响，抖动明显，业主担心安全。", True),
        ("电梯停运", "{bld}号楼{ent}单元电梯停在{fl}层不动，按钮无反应。", True),
        ("电梯按钮失灵", "{bld}号楼{ent}单元电梯内{fl}层按钮失灵，按下无反应。", True),
    ],
    ("repair", "DT-KR"): [
        ("电梯困人", "{bld}号楼{ent}单元电梯困人，轿厢内有2人，已安抚，请立即救援。", True),
        ("电梯困人（老人）", "电梯停在{fl}层与{fl2}层之间，一名老人被困，情绪紧张，请立即救援。", True),
    ],
    ("repair", "ZN-MJ"): [
        ("门禁卡失灵", "业主门禁卡刷卡无反应，无法进入单元门。", False),
        ("单元门禁对讲坏了", "{bld}号楼{ent}单元可视对讲无法呼叫到户。", True),
        ("人脸识别无法开门", "小区东门人脸识别闸机无法识别业主，需要重新录入。", True),
    ],
    ("repair", "ZN-JK"): [
        ("监控摄像头黑屏", "{place}监控画面黑屏，中控室无法查看。", True),
        ("电动车被盗需调取监控", "业主电动车在{bld}号楼下被盗，已报警，需要调取监控配合派出所。", True),
    ],
    ("repair", "ZN-TC"): [
        ("道闸不抬杆", "业主车辆已登记月卡，但进出道闸不抬杆。", True),
        ("停车扣费异常", "月租车辆出场时被按临时车收费，请核实。", True),
    ],
    ("complaint", "FW"): [
        ("前台人员态度差", "业主反映前台工作人员办理业务时态度冷淡、不耐烦。", False),
        ("维修人员未按约定时间上门", "约好上午10点上门维修，等到中午无人到场，也没有电话通知。", False),
        ("服务中心电话无人接听", "业主多次拨打物业服务中心电话无人接听。", False),
    ],
    ("complaint", "WX"): [
        ("维修后仍然漏水", "上周维修过的卫生间漏水问题再次出现，业主非常不满，要求彻底解决。", False),
        ("维修后未清理现场", "维修人员完工后未清理现场，地面留有大量灰尘和垃圾。", False),
    ],
    ("complaint", "ZX"): [
        ("陌生人随意进入小区", "业主反映门岗未登记，陌生人随意进入小区发小广告。", True),
        ("夜间巡逻不到位", "近期小区发生电动车电瓶被盗，业主认为夜间巡逻不到位。", True),
        ("楼道堆放杂物", "{bld}号楼{ent}单元楼道堆放大量杂物，堵塞消防通道。", True),
    ],
    ("complaint", "HJ"): [
        ("垃圾清运不及时", "{bld}号楼旁垃圾桶已满溢出，气味难闻，没有及时清运。", True),
        ("楼道保洁不到位", "{bld}号楼{ent}单元楼道地面很脏，扶手积灰，保洁多日未打扫。", True),
        ("绿化带杂草丛生", "中心花园绿化带杂草很高，蚊虫多。", True),
        ("宠物粪便无人清理", "小区步道上宠物粪便较多，保洁无人清理。", True),
    ],
    ("complaint", "TC"): [
        ("车位被占用", "业主的固定车位被外来车辆占用，联系不上车主。", True),
        ("消防通道违规停车", "{bld}号楼前消防通道长期有车辆停放，存在安全隐患。", True),
        ("充电车位被燃油车占用", "{place}充电车位被燃油车占用，业主无法充电。", True),
    ],
    ("complaint", "ZY"): [
        ("楼上装修噪音扰民", "楼上装修周末也施工，电钻声音很大，影响休息。", False),
        ("广场舞噪音扰民", "中心广场晚上跳广场舞音响声音太大，影响孩子学习。", True),
        ("夜间施工噪音", "晚上10点后小区外施工噪音很大，请物业协调。", True),
        ("邻居家狗叫扰民", "邻居家的狗白天长时间吠叫，多次沟通无果。", False),
    ],
    ("complaint", "SF"): [
        ("物业费账单有误", "业主认为物业费账单面积计算有误，要求核对。", False),
        ("停车费上涨有异议", "对停车管理费上调有异议，要求公示依据。", False),
    ],
    ("consultation", "SF"): [
        ("物业费缴纳方式", "业主咨询物业费可否通过微信缴纳及是否有预缴优惠。", False),
        ("停车月卡办理费用", "咨询地库月租车位费用及办理所需材料。", False),
        ("水费偏高查询", "咨询本月水费偏高的原因及查询方式。", False),
    ],
    ("consultation", "ZX"): [
        ("装修手续办理", "业主准备装修，咨询装修申请需要哪些材料及押金标准。", False),
        ("装修施工时间", "咨询小区装修允许施工的时间段。", False),
        ("装修垃圾清运", "咨询装修垃圾清运的地点和收费。", False),
    ],
    ("consultation", "BS"): [
        ("门禁卡补办", "业主门禁卡丢失，咨询补办流程及费用。", False),
        ("快递柜位置", "新入住业主咨询快递柜位置及使用方法。", False),
        ("业主信息变更", "房屋过户后咨询业主信息变更需要的材料。", False),
        ("开具居住证明", "咨询开具居住证明的流程。", False),
        ("养犬登记", "咨询小区养犬登记的规定。", False),
    ],
    ("suggestion", "FW"): [
        ("建议开通线上报修", "建议物业开通微信小程序报修并能查看进度。", False),
        ("建议公示保洁排班", "建议在单元门口公示保洁排班和联系电话。", False),
    ],
    ("suggestion", "SS"): [
        ("建议增设充电桩", "小区电动汽车越来越多，建议地库增设充电桩。", True),
        ("建议更新儿童游乐设施", "中心花园儿童游乐设施陈旧，建议更新。", True),
        ("建议增设无障碍坡道", "{bld}号楼入口台阶较高，建议增设无障碍坡道。", True),
    ],
    ("help", "JJ"): [
        ("独居老人联系不上", "子女来电，独居老人两天联系不上，请管家上门查看。", False),
        ("钥匙锁在家中", "业主钥匙锁在家中，孩子一人在家，请求协助。", False),
        ("家中有燃气味", "业主闻到家中有燃气味，已开窗通风，请求协助检查。", False),
    ],
    ("help", "SH"): [
        ("请求代收快递", "业主出差，请求前台代收大件快递。", False),
        ("借用梯子", "业主请求借用梯子和电钻。", False),
        ("协助搬运家具", "老人家中购买的家具需要搬运上楼，请求协助。", False),
    ],
    ("praise", "RY"): [
        ("表扬维修师傅", "业主来电表扬维修师傅{fixer}，半夜上门处理漏水，认真负责。", False),
        ("表扬管家", "业主表扬管家{steward}，帮助独居老人代买药品。", False),
        ("表扬门岗保安", "业主表扬门岗保安帮助寻回走失的孩子。", False),
    ],
    ("special_service", "JZ"): [
        ("开荒保洁预约", "新房装修完毕，预约开荒保洁。", False),
        ("家庭深度保洁", "预约周末家庭深度保洁，三室两厅。", False),
        ("擦玻璃服务", "预约全屋玻璃清洁。", False),
    ],
    ("special_service", "JD"): [
        ("空调不制冷", "家中空调不制冷，预约维修。", False),
        ("热水器点不着火", "燃气热水器点不着火，预约上门检修。", False),
        ("洗衣机无法排水", "洗衣机无法排水，预约维修。", False),
    ],
    ("special_service", "GD"): [
        ("厨房管道疏通", "厨房下水管道油污堵塞，预约疏通。", False),
        ("马桶疏通", "马桶严重堵塞，预约上门疏通。", False),
    ],
}

OFFICE: dict[tuple[str, str], list[T]] = {
    ("repair", "SD-LS"): [
        ("茶水间水管漏水", "{room}茶水间水槽下方水管漏水，地毯已湿。", False),
        ("吊顶渗水", "{room}办公室吊顶渗水，疑似楼上空调冷凝水管漏水。", False),
    ],
    ("repair", "SD-TS"): [
        ("办公室插座没电", "{room}办公室一侧插座全部没电，电脑无法使用。", False),
        ("楼层跳闸", "{fl}层东侧区域跳闸，多家公司断电。", True),
    ],
    ("repair", "SD-DJ"): [("会议室灯管闪烁", "{room}会议室灯管闪烁，影响开会。", False)],
    ("repair", "TJ-MC"): [("玻璃门地弹簧损坏", "{room}公司玻璃门地弹簧损坏，门关不上。", False)],
    ("repair", "DT-GZ"): [
        ("电梯等候时间长", "早高峰电梯等候时间过长，部分电梯停运。", True),
        ("货梯门关不上", "货梯在{fl}层门关不上，影响搬运。", True),
    ],
    ("repair", "DT-KR"): [("电梯困人", "{fl}层电梯困人，轿厢内4人，已通过对讲安抚，请立即救援。", True)],
    ("repair", "ZN-MJ"): [
        ("员工门禁卡无法刷闸机", "{room}公司新入职员工门禁卡无法刷大堂闸机。", False),
        ("闸机故障", "大堂2号闸机无法通行，排队严重。", True),
    ],
    ("repair", "ZN-TC"): [("访客车辆无法入场", "访客车辆已预约，但地库道闸不识别。", True)],
    ("complaint", "HJ"): [("卫生间保洁不及时", "{fl}层男卫生间纸巾用完无人补充，地面有积水。", True)],
    ("complaint", "FW"): [("访客登记排队太久", "大堂访客登记排队时间过长，客户在大堂等了20分钟。", True)],
    ("complaint", "TC"): [("地库车位被占用", "公司固定车位被其他车辆占用。", True)],
    ("complaint", "ZY"): [("楼上装修噪音影响办公", "楼上装修白天施工噪音大，按规定应在非工作时间施工。", False)],
    ("complaint", "SF"): [("加班空调费用有异议", "对上月加班空调费用计算有异议，要求提供明细。", False)],
    ("consultation", "BS"): [
        ("会议室预订", "咨询大厦公共会议室预订方式及费用。", False),
        ("加班空调申请", "咨询周末加班空调申请流程。", False),
        ("大件物品放行", "咨询搬运办公家具出大厦需要办理的放行手续。", False),
    ],
    ("consultation", "ZX"): [("办公室装修报批", "咨询办公室二次装修报批流程及施工时间要求。", False)],
    ("consultation", "SF"): [("物业费发票开具", "咨询物业费增值税专用发票开具方式。", False)],
    ("help", "SH"): [("协助搬运办公设备", "公司搬迁，请求协调货梯和搬运通道。", False)],
    ("special_service", "JZ"): [("办公室深度保洁", "预约周末办公室地毯清洗和深度保洁。", False)],
    ("suggestion", "SS"): [("建议增加大堂座椅", "大堂访客等候区座椅太少，建议增加。", True)],
    ("praise", "RY"): [("表扬前台", "客户来函表扬大堂前台{agent}热情周到。", False)],
}

# Kind weights per project kind.
KINDS = {
    "residential": [
        ("repair", 45),
        ("consultation", 20),
        ("complaint", 12),
        ("special_service", 9),
        ("help", 6),
        ("suggestion", 4),
        ("praise", 4),
    ],
    "office": [
        ("repair", 45),
        ("consultation", 28),
        ("complaint", 10),
        ("help", 5),
        ("special_service", 5),
        ("suggestion", 4),
        ("praise", 3),
    ],
}
CHANNELS = [(Channel.PHONE, 46), (Channel.WECHAT, 20), (Channel.WALK_IN, 13), (Channel.PORTAL, 12)]
PATROL_SHARE = 0.12  # of the public-area cases
RESIDENT_SHARE = 0.012  # of the cases: reported by a resident with a login (kefu/visits/demo.py rates them)
HOURS = [  # hour of day → weight (Beijing time)
    (7, 2), (8, 6), (9, 10), (10, 10), (11, 8), (12, 4), (13, 5), (14, 8), (15, 9), (16, 8),
    (17, 6), (18, 4), (19, 4), (20, 3), (21, 2), (22, 1),
]  # fmt: skip
NIGHT_HOURS = [(23, 1), (0, 1), (1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (6, 1)]

PLACES = {
    "residential": ["地下车库B1层", "地下车库B2层", "小区东门", "小区南门", "中心花园", "儿童游乐区", "健身广场"],
    "office": ["B1停车场", "B2停车场", "大堂", "货梯厅", "裙楼连廊"],
}

RESOLVE_NOTES = {
    "SD-LS": [
        "更换三角阀及软管，试水无渗漏。",
        "楼上卫生间防水层破损，已协调楼上业主做闭水试验并修补。",
        "更换水管接头，重新缠生料带，已无渗漏。",
    ],
    "SD-TS": [
        "漏电开关损坏，已更换，恢复供电。",
        "市政管网检修导致停水，已张贴通知，供水已恢复。",
        "线路老化接触不良，重新接线后正常。",
    ],
    "SD-DJ": ["更换声控开关及灯泡，恢复照明。", "更换损坏插座，检测线路正常。"],
    "SD-DS": ["使用疏通机疏通，排水正常。", "清理存水弯内杂物，排水恢复。", "联系吸污车清掏污水井，已恢复。"],
    "TJ-QM": ["墙面裂缝为抹灰层收缩裂缝，已修补并刷漆。", "重新铺贴空鼓地砖。"],
    "TJ-MC": ["调整门铰链和锁扣，开关顺畅。", "更换窗户密封条。", "更换闭门器。"],
    "TJ-FS": ["屋面防水卷材破损，已局部修补，待雨后复查。", "外墙打胶处理，渗水停止。"],
    "DT-GZ": ["维保单位到场检修，更换导靴衬，运行正常。", "门机皮带松动，调整后恢复运行。"],
    "DT-KR": ["维保人员15分钟到场，盘车放人，被困人员安全，电梯已恢复。", "安抚被困人员，维保单位到场解救，无人受伤。"],
    "ZN-MJ": ["重新写卡，刷卡正常。", "对讲主机线路故障，已修复。", "重新录入人脸信息，识别正常。"],
    "ZN-JK": ["摄像头电源适配器损坏，已更换。", "已调取监控并刻录，交派出所。"],
    "ZN-TC": ["重新登记车牌信息，道闸识别正常。", "核实为系统同步延迟，已退还多收费用。"],
    "complaint": [
        "已向业主致歉，对相关人员进行批评教育并纳入考核。",
        "已协调处理，现场整改完毕，业主表示认可。",
        "与业主当面沟通，说明情况并给出整改措施，业主接受。",
        "已约谈施工方，要求严格遵守施工时间，后续加强巡查。",
        "已安排专人清理，并调整保洁频次。",
    ],
    "consultation": ["已电话详细答复业主。", "已将办理材料清单通过微信发送给业主。", "已答复，业主表示清楚。"],
    "suggestion": ["感谢建议，已纳入下季度工作计划，并向业主反馈。", "已提交项目经理研究，答复业主。"],
    "help": [
        "已安排人员到场协助，问题已解决。",
        "管家已上门查看，老人身体无碍，已告知家属。",
        "已协助开锁，业主表示感谢。",
    ],
    "praise": ["已在部门例会通报表扬，并纳入月度评优。"],
    "repair": ["已安排维修人员上门处理，现场复查正常。", "已维修完毕，并请业主现场确认。"],
    "special_service": ["服务已完成，业主验收满意，已按标准收费。", "上门维修完毕，更换配件，业主签字确认。"],
}
ANSWERS = {
    "SF": "已告知可通过微信公众号、前台刷卡或银行代扣缴纳，年缴享九五折优惠。",
    "ZX": (
        "已告知装修需提交装修申请表、施工图纸和施工单位资质，押金按规定标准收取，"
        "施工时间为工作日8:00-12:00、14:00-18:00。"
    ),
    "BS": "已告知办理流程及所需材料，业主表示清楚。",
    "RY": "感谢您的表扬，我们已转达给相关同事并纳入员工考核。",
}
COMMENTS = [
    "已电话联系业主，约定上门时间。",
    "现场查看，需要采购配件。",
    "已与业主沟通处理方案，业主同意。",
    "该户近期多次报修，请关注。",
    "业主要求处理前先电话联系。",
    "已拍照留存，处理后对比。",
]
REPLIES = [
    "您好，已安排师傅上门，请保持电话畅通。",
    "您好，您反映的问题我们已记录，正在处理中，预计今天内给您答复。",
    "您好，已与相关部门协调，我们会尽快处理并回复您。",
]
COMPLAINT_REPLIES = [
    "您好，非常抱歉给您带来不便，我们已核实情况并安排整改，处理结果会及时告知您。",
    "您好，您的投诉已受理，投诉专员将跟进处理，24小时内给您回复处理方案。",
]
REJECT_REASONS = [
    "不属于本组专业，请改派。",
    "现场查看为户内私有设备，建议改为特约服务。",
    "业主不在家，无法入户，请重新安排。",
]
TRANSFER_REASONS = {
    "GC-TJ": "经现场查看为防水问题，转土建组处理。",
    "GC-ZN": "涉及弱电线路，转智能化组处理。",
    "GC-SD": "涉及水电管线，转水电组处理。",
}
CANCEL_REASONS = ["业主来电撤销，问题已自行解决。", "重复报事，已在其他工单中处理。", "业主联系不上，经确认无需处理。"]
HOLD_NOTES = {
    WaitReason.PARTS: "需采购配件，预计2-3天到货。",
    WaitReason.CUSTOMER: "业主出差，约定回来后再上门。",
    WaitReason.OTHER_DEPARTMENT: "需协调楼上业主配合，等待客服部联系。",
}
PREFERRED = ["周六上午", "周日下午", "工作日晚上7点后", "明天上午10点", "本周内任意时间"]


class Stop(Exception):
    """The next step would happen after the present: the case stays as it is."""


# Called once a case is resolved (and its work orders are closed): the return visit and what follows.
AfterResolve = Callable[["CaseMaker", Case], None]


@dataclass
class Desk:
    """One project's staff and archives, as the demo needs them."""

    project: Project
    kind: str
    agents: list[User]
    supervisor: User
    complaint_officer: User
    stewards: dict[int, User]  # zone id → steward
    members: dict[str, list[User]]  # department code → members
    departments: dict[str, Department]
    households: list[tuple[Unit, Customer]]
    phones: dict[int, tuple[str, str]]  # customer id → (contact name, phone)
    texts: dict[tuple[str, str], list[T]]
    accounts: dict[int, User] = field(default_factory=dict)  # customer id → the resident's own login
    residents: list[tuple[Unit, Customer]] = field(default_factory=list)  # households with a login


@dataclass
class Clock:
    real_now: dt.datetime
    t: dt.datetime = field(default_factory=timezone.now)


@contextmanager
def simulated(clock: Clock) -> Iterator[None]:
    """timezone.now() returns the simulated time (for auto_now fields written by the services)."""
    with mock.patch.object(timezone, "now", lambda: clock.t):
        yield


def build_demo_cases(*, small: bool = False, after_resolve: AfterResolve | None = None) -> Counter[str]:
    """Make the demo cases of YGHY and GMZX (those of them that exist). Returns the cases made per status.
    Without `after_resolve`, resolved cases wait for their return visit."""
    real_now = timezone.now()
    clock = Clock(real_now=real_now, t=real_now)
    projects = []
    with simulated(clock):
        for code, (full, few) in VOLUME.items():
            project = Project.objects.filter(code=code).first()
            if project is None:
                continue
            projects.append(project)
            analyze()
            maker = case_maker(project, clock, after_resolve, "cases")
            maker.run(few if small else full)
    mark_done_read(projects, real_now)
    cases = Case.objects.filter(project__in=projects)
    return Counter(dict(cases.values_list("status").annotate(n=Count("pk")).values_list("status", "n")))


def case_maker(project: Project, clock: Clock, after_resolve: AfterResolve | None, purpose: str) -> CaseMaker:
    """A CaseMaker for the project with its own fixed seed per purpose (the run of cases, visit findings...)."""
    categories = {(c.kind, c.code): c for c in Category.objects.filter(project__isnull=True).select_related("parent")}
    rng = random.Random(f"{SEED}-{project.code}-{purpose}")
    return CaseMaker(load_desk(project), categories, clock, rng, after_resolve=after_resolve)


def mark_done_read(projects: Sequence[Project], real_now: dt.datetime) -> None:
    """The staff have read what is done with; what is still open (or waiting for its visit) stays unread."""
    Notification.objects.filter(case__project__in=projects, read_at__isnull=True).exclude(
        case__status__in=OPEN_STATUSES | {Status.RESOLVED}
    ).update(read_at=real_now)


def analyze() -> None:
    """PostgreSQL: refresh the planner's statistics. The archives were just bulk-loaded in this (uncommitted)
    transaction; with stale statistics (say, tables analysed while they held only rolled-back rows, as in a
    test database) the planner takes them for empty and picks nested loops that take minutes."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def load_desk(project: Project) -> Desk:
    users: dict[int, User] = {}
    members: dict[str, list[User]] = defaultdict(list)
    agents, stewards = [], {}
    supervisor = complaint_officer = None
    departments: dict[str, Department] = {d.code: d for d in Department.objects.filter(project=project)}
    ms = (
        Membership.objects.filter(project=project, is_active=True, user__is_active=True)
        .select_related("user", "department")
        .prefetch_related("zones")
        .order_by("user__username")
    )
    for m in ms:
        u = users.setdefault(m.user_id, m.user)
        if m.department is not None:
            members[m.department.code].append(u)
        if m.role == Role.AGENT:
            agents.append(u)
        elif m.role == Role.SUPERVISOR:
            supervisor = u
        elif m.role == Role.COMPLAINT_OFFICER:
            complaint_officer = u
        elif m.role == Role.STEWARD:
            for z in m.zones.all():
                stewards[z.pk] = u
    assert supervisor is not None and complaint_officer is not None and agents, "the demo staff are missing"
    households = [
        (o.unit, o.customer)
        for o in Occupancy.objects.filter(unit__project=project, move_out__isnull=True, customer__is_active=True)
        .select_related("unit__building", "unit__entrance", "unit__zone", "customer")
        .order_by("unit__code", "pk")
    ]
    phones: dict[int, tuple[str, str]] = {}
    for c in Contact.objects.filter(customer__project=project, kind=Contact.Kind.MOBILE).select_related("customer"):
        if c.customer_id in phones and not c.is_primary:
            continue
        name = c.label.split(" ")[-1] if c.customer.kind == Customer.Kind.ORGANISATION and c.label else ""
        phones[c.customer_id] = (name or c.customer.name, c.value)
    linked = Customer.objects.filter(project=project, account__isnull=False, account__is_active=True)
    accounts = {c.pk: c.account for c in linked.select_related("account") if c.account is not None}
    office = project.kind == Project.Kind.OFFICE
    return Desk(
        project=project,
        kind="office" if office else "residential",
        agents=agents,
        supervisor=supervisor,
        complaint_officer=complaint_officer,
        stewards=stewards,
        members=members,
        departments=departments,
        households=households,
        phones=phones,
        texts=OFFICE if office else RESIDENTIAL,
        accounts=accounts,
        residents=[(u, c) for u, c in households if c.pk in accounts],
    )


def weighted(rng: random.Random, pairs: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


class CaseMaker:
    def __init__(
        self,
        desk: Desk,
        categories: dict[tuple[str, str], Category],
        clock: Clock,
        rng: random.Random,
        after_resolve: AfterResolve | None = None,
    ):
        self.desk = desk
        self.after_resolve = after_resolve
        self.categories = categories
        self.clock = clock
        self.rng = rng
        self.now = clock.real_now
        self.texts = desk.texts

    # time -------------------------------------------------------------------------------------------

    def later(self, lo: float, hi: float) -> dt.datetime:
        """Move the clock on by lo-hi minutes; Stop if that is in the future."""
        t = self.clock.t + dt.timedelta(minutes=self.rng.uniform(lo, hi))
        if t > self.now - dt.timedelta(minutes=1):
            raise Stop
        self.clock.t = t
        return t

    def creation_times(self, n: int) -> list[tuple[dt.datetime, bool]]:
        """n moments over the last DAYS days (fewer at weekends; a few at night), oldest first."""
        tz = timezone.get_current_timezone()
        today = timezone.localdate(self.now)
        out: list[tuple[dt.datetime, bool]] = []
        while len(out) < n:
            day = today - dt.timedelta(days=self.rng.randrange(DAYS))
            if day.weekday() >= 5 and self.rng.random() < 0.3:
                continue
            night = self.rng.random() < 0.04
            hour = weighted(self.rng, NIGHT_HOURS if night else HOURS)
            moment = dt.datetime.combine(
                day, dt.time(hour, self.rng.randrange(60), self.rng.randrange(60)), tzinfo=tz
            ).astimezone(dt.UTC)
            if moment < self.now - dt.timedelta(minutes=20):
                out.append((moment, night))
        return sorted(out)

    # the run ----------------------------------------------------------------------------------------

    def run(self, n: int) -> None:
        for created, night in self.creation_times(n):
            self.clock.t = created
            case, intake = self.intake(night)
            with suppress(Stop):
                self.handle(case, intake)

    def pick_text(self, kind: str, night: bool) -> tuple[str, Category, T]:
        if night:
            keys = [k for k in self.texts if k in {("repair", "DT-KR"), ("repair", "SD-TS"), ("help", "JJ")}]
        else:
            keys = [k for k in self.texts if k[0] == kind]
        key = self.rng.choice(keys)
        return key[0], self.categories[key], self.rng.choice(self.texts[key])

    def fill(self, text: str, unit: Unit | None) -> str:
        d = self.desk
        fl = unit.floor if unit is not None else self.rng.randint(3, 17)
        fixers = [u for code in ("GC-SD", "GC-TJ", "GC-ZN") for u in d.members.get(code, [])] or d.agents
        stewards = list(d.stewards.values()) or d.agents
        return text.format(
            bld=unit.building.code if unit else "1",
            ent=unit.entrance.code if unit and unit.entrance else "1",
            fl=fl,
            fl2=fl + 1,
            room=unit.code if unit else "",
            place=self.rng.choice(PLACES[d.kind]),
            fixer=self.rng.choice(fixers).display_name,
            steward=self.rng.choice(stewards).display_name,
            agent=self.rng.choice(d.agents).display_name,
        )

    def intake(self, night: bool) -> tuple[Case, User]:
        d, rng = self.desk, self.rng
        kind = weighted(rng, KINDS[d.kind])
        kind, category, (title, description, public) = self.pick_text(kind, night)
        unit, customer = rng.choice(d.households)
        channel = weighted(rng, CHANNELS)
        if d.residents and rng.random() < RESIDENT_SHARE:
            unit, customer = rng.choice(d.residents)  # the demo residents report through their own login
            channel = Channel.PORTAL
        if public and kind in ("repair", "complaint", "suggestion") and rng.random() < PATROL_SHARE:
            channel = Channel.PATROL
        actor = rng.choice(d.agents)
        if channel == Channel.WALK_IN and unit.zone_id in d.stewards and rng.random() < 0.5:
            actor = d.stewards[unit.zone_id]  # the steward took it at the door
        elif channel == Channel.PATROL:
            actor = d.supervisor if rng.random() < 0.3 else actor
        elif kind == Kind.COMPLAINT and rng.random() < 0.3:
            actor = d.complaint_officer
        contact_name, phone = d.phones.get(customer.pk, (customer.name, ""))
        priority = Priority.NORMAL
        if category.code == "DT-KR" or (kind == Kind.HELP and category.code == "JJ"):
            priority = Priority.URGENT if category.code == "DT-KR" else Priority.HIGH
        elif kind == Kind.SUGGESTION:
            priority = Priority.LOW
        elif rng.random() < 0.06:
            priority = Priority.HIGH
        patrol = channel == Channel.PATROL
        location = ""
        if public:
            location = self.fill(rng.choice(["{bld}号楼{ent}单元", "{place}", "{bld}号楼"]), unit)
            if d.kind == "office":
                location = self.fill(rng.choice(["{fl}层", "{place}"]), unit)
        case = services.case_create(
            actor=actor,
            project=d.project,
            kind=kind,
            channel=channel,
            title=title,
            description=self.fill(description, unit) + ("（巡查发现）" if patrol else ""),
            category=category,
            priority=priority,
            is_major=kind == Kind.COMPLAINT and rng.random() < 0.03,
            customer=None if patrol else customer,
            unit=None if patrol else unit,
            location=location,
            contact_name="" if patrol else contact_name,
            contact_phone="" if patrol else phone,
            preferred_time=rng.choice(PREFERRED) if kind == Kind.SPECIAL_SERVICE else "",
            now=self.clock.t,
        )
        return case, actor

    # handling ---------------------------------------------------------------------------------------

    def dispatcher(self, intake: User) -> User:
        """Whoever took the call dispatches it, if they may (agents, the complaint officer)."""
        if intake in self.desk.agents or intake == self.desk.complaint_officer:
            return intake if self.rng.random() < 0.8 else self.rng.choice(self.desk.agents)
        return self.rng.choice(self.desk.agents)

    def department_for(self, case: Case) -> str:
        assert case.category is not None
        trade = case.category.trade
        if case.kind == Kind.COMPLAINT and trade == "客服":
            return "KF-TS"
        code = TRADE_DEPARTMENT.get(trade, "KF-QT")
        return code if self.desk.members.get(code) else "KF-QT"

    def handle(self, case: Case, intake: User, dept: str = "") -> None:
        """Take a new case as far as the present allows; `dept` overrides the department its category gives."""
        d, rng = self.desk, self.rng
        old = self.clock.t < self.now - dt.timedelta(days=3)
        # A few older cases got stuck somewhere (forgotten, overdue; or waiting for parts for weeks).
        stuck = ""
        if old and rng.random() < 0.04:
            stuck = weighted(rng, [("new", 1), ("dispatched", 2), ("accepted", 2), ("in_progress", 3), ("waiting", 2)])
        if case.kind in (Kind.CONSULTATION, Kind.PRAISE):
            share = 0.25 if case.kind == Kind.CONSULTATION else 0.7
            if rng.random() < share:
                self.later(1, 8)
                assert case.category is not None
                answer = ANSWERS.get(case.category.code, "已当场答复，业主表示清楚。")
                services.case_solve_at_once(actor=intake, case=case, answer=answer, now=self.clock.t)
                return
        if rng.random() < 0.015:
            self.later(10, 120)
            reason = rng.choice(CANCEL_REASONS)
            services.case_cancel(actor=self.dispatcher(intake), case=case, reason=reason, now=self.clock.t)
            return
        if stuck == "new":
            return
        urgent = case.priority in (Priority.URGENT, Priority.HIGH)
        self.later(1, 5) if urgent else self.later(3, 40)
        if case.kind == Kind.COMPLAINT:
            self.reply(case, d.complaint_officer, COMPLAINT_REPLIES, lo=20, hi=600)
        dept = dept or self.department_for(case)
        if (
            case.kind == Kind.REPAIR
            and case.category
            and case.category.code in ("SD-LS", "TJ-FS")
            and rng.random() < 0.05
        ):
            self.split(case, intake, bool(stuck))
            return
        case, handler = self.dispatch(case, intake, dept, stuck == "dispatched")
        if stuck == "dispatched":
            return
        self.later(2, 20) if urgent else self.later(5, 90)
        if rng.random() < 0.04 and case.status == Status.DISPATCHED:
            services.case_reject(actor=handler, case=case, reason=rng.choice(REJECT_REASONS), now=self.clock.t)
            self.later(10, 60)
            other = rng.choice([c for c in ("GC-SD", "GC-TJ", "GC-ZN", "KF-QT") if d.members.get(c) and c != dept])
            case, handler = self.dispatch(case, intake, other, stuck=False, mode=DispatchMode.PERSON)
            self.later(5, 60)
        if case.status == Status.DISPATCHED:
            case = services.case_accept(actor=handler, case=case, now=self.clock.t)
        if rng.random() < 0.03 and dept.startswith("GC-"):
            self.later(20, 120)
            target = rng.choice([c for c in ("GC-SD", "GC-TJ", "GC-ZN") if c != dept and d.members.get(c)])
            case = services.case_transfer(
                actor=handler,
                case=case,
                reason=TRANSFER_REASONS[target],
                department=d.departments[target],
                assignee=rng.choice(d.members[target]),
                now=self.clock.t,
            )
            assert case.assignee is not None
            handler = case.assignee
            self.later(5, 60)
            case = services.case_accept(actor=handler, case=case, now=self.clock.t)
        if stuck == "accepted":
            return
        self.work(case, handler, urgent, stuck)

    def dispatch(self, case: Case, intake: User, dept: str, stuck: bool, mode: str = "") -> tuple[Case, User]:
        d, rng = self.desk, self.rng
        actor = self.dispatcher(intake)
        if case.kind in (Kind.CONSULTATION, Kind.PRAISE, Kind.SUGGESTION) or dept in ("KF-QT", "KF-TS"):
            if dept == "KF-TS" or case.kind == Kind.COMPLAINT:
                person = d.complaint_officer
            elif case.kind == Kind.PRAISE or case.kind == Kind.SUGGESTION:
                person = d.supervisor
            elif case.zone_id in d.stewards and rng.random() < 0.4:
                person = d.stewards[case.zone_id]
            else:
                person = rng.choice(d.agents)
            case = services.case_dispatch(actor=actor, case=case, assignee=person, now=self.clock.t)
            return case, person
        department = d.departments[dept]
        if stuck and not mode and rng.random() < 0.5:
            mode = DispatchMode.POOL  # nobody grabbed it
        mode = mode or weighted(
            rng, [(DispatchMode.PERSON, 45), (DispatchMode.DEPARTMENT, 40), (DispatchMode.POOL, 15)]
        )
        if mode == DispatchMode.PERSON:
            person = rng.choice(d.members[dept])
            case = services.case_dispatch(
                actor=actor, case=case, mode=mode, department=department, assignee=person, now=self.clock.t
            )
            return case, person
        case = services.case_dispatch(actor=actor, case=case, mode=mode, department=department, now=self.clock.t)
        if mode == DispatchMode.POOL:
            recent = case.created_at > self.now - dt.timedelta(days=3)
            if (recent and rng.random() < 0.6) or stuck:
                raise Stop  # nobody has grabbed it yet
            self.later(5, 90)
            grabber = rng.choice(d.members[dept])
            case = services.case_grab(actor=grabber, case=case, now=self.clock.t)
            return case, grabber
        assert case.assignee is not None
        return case, case.assignee

    def reply(self, case: Case, actor: User, texts: Sequence[str], lo: float, hi: float) -> None:
        self.later(lo, hi)
        services.case_reply(actor=actor, case=case, body=self.rng.choice(texts), now=self.clock.t)

    def resolve_minutes(self, case: Case) -> tuple[float, float]:
        """How long the work takes, mostly well inside the time limit, sometimes past it."""
        late = self.rng.random() < 0.08
        limits = {
            Kind.REPAIR: (30, 600, 1500, 3000),
            Kind.COMPLAINT: (120, 2400, 4400, 7000),
            Kind.CONSULTATION: (10, 180, 300, 900),
            Kind.HELP: (10, 90, 150, 400),
            Kind.SUGGESTION: (600, 4000, 8000, 12000),
            Kind.PRAISE: (60, 2000, 4000, 6000),
            Kind.SPECIAL_SERVICE: (600, 2000, 3000, 5000),
        }
        lo, hi, late_lo, late_hi = limits[Kind(case.kind)]
        if case.priority == Priority.URGENT:
            lo, hi, late_lo, late_hi = 10, 60, 130, 240
        return (late_lo, late_hi) if late else (lo, hi)

    def work(self, case: Case, handler: User, urgent: bool, stuck: str) -> None:
        d, rng = self.desk, self.rng
        self.later(2, 15) if urgent else self.later(10, 180)
        case = services.case_start(actor=handler, case=case, now=self.clock.t)
        if stuck == "in_progress":
            return
        total = self.rng.uniform(*self.resolve_minutes(case))
        end = self.clock.t + dt.timedelta(minutes=total)
        if case.kind not in (Kind.COMPLAINT,) and rng.random() < 0.15:
            self.reply(case, rng.choice(d.agents), REPLIES, 5, 60)
        if rng.random() < 0.3:
            self.later(5, 120)
            services.case_comment(actor=handler, case=case, body=rng.choice(COMMENTS), now=self.clock.t)
        if stuck == "waiting" or (case.kind in (Kind.REPAIR, Kind.SPECIAL_SERVICE) and rng.random() < 0.1):
            self.later(10, 120)
            reason = weighted(rng, [(WaitReason.PARTS, 6), (WaitReason.CUSTOMER, 3), (WaitReason.OTHER_DEPARTMENT, 1)])
            case = services.case_hold(
                actor=handler, case=case, reason=reason, note=HOLD_NOTES[WaitReason(reason)], now=self.clock.t
            )
            if stuck == "waiting":
                return
            self.later(240, 4500)
            case = services.case_resume(
                actor=handler, case=case, note="配件已到 / 已约好时间，继续处理。", now=self.clock.t
            )
        if end > self.clock.t:
            self.later_to(end)
        case = services.case_resolve(actor=handler, case=case, note=self.resolve_note(case), now=self.clock.t)
        self.finish(case)

    def later_to(self, t: dt.datetime) -> None:
        if t > self.now - dt.timedelta(minutes=1):
            raise Stop
        self.clock.t = t

    def resolve_note(self, case: Case) -> str:
        code = case.category.code if case.category is not None else ""
        notes = RESOLVE_NOTES.get(code) or RESOLVE_NOTES.get(case.kind) or ["已处理完毕。"]
        return self.rng.choice(notes)

    def finish(self, case: Case, children: Sequence[Case] = ()) -> None:
        """The case is resolved: the desk closes its work orders (they get no call-back of their own), then
        the return visit follows (a praise has closed by itself)."""
        for child in children:
            child.refresh_from_db()
            if child.status == Status.RESOLVED:
                self.later(5, 120)
                desk = self.rng.choice(self.desk.agents)
                services.case_close(actor=desk, case=child, note="工作单已完成，随主工单办结", now=self.clock.t)
        case.refresh_from_db()
        if case.status == Status.RESOLVED and self.after_resolve is not None:
            self.after_resolve(self, case)

    def split(self, case: Case, intake: User, stuck: bool) -> None:
        """A leak that needs the plumbers and the builders: two work orders; the case is resolved with the last."""
        d = self.desk
        parts = [
            Part(department=d.departments["GC-SD"], title="关闭水阀，维修漏水管道"),
            Part(department=d.departments["GC-TJ"], title="修补受损吊顶和墙面"),
        ]
        children = services.case_split(actor=self.dispatcher(intake), case=case, parts=parts, now=self.clock.t)
        for child in children:
            search.index_case(child)  # case_split does not index the work orders itself
        if stuck:
            return
        for child in children:
            worker = child.assignee
            assert worker is not None
            self.later(5, 60)
            services.case_accept(actor=worker, case=child, now=self.clock.t)
            self.later(10, 120)
            services.case_start(actor=worker, case=child, now=self.clock.t)
            self.later(60, 600)
            services.case_resolve(actor=worker, case=child, note=self.resolve_note(child), now=self.clock.t)
        self.finish(case, children)
