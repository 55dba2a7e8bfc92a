"""Customer archives (客户档案): property structure, customers, contacts, occupancy, assets."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.org.models import Project, Zone


class Building(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("项目"))
    code = models.CharField(_("楼栋编号"), max_length=20)
    name = models.CharField(_("楼栋名称"), max_length=50)
    floors = models.PositiveSmallIntegerField(_("层数"), default=0)

    class Meta:
        ordering = ["project", "code"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="building_code_unique_per_project")]
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.project_id}


class Entrance(models.Model):
    """单元: a stairwell section of a building."""

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="entrances", verbose_name=_("楼栋"))
    code = models.CharField(_("单元编号"), max_length=20)
    name = models.CharField(_("单元名称"), max_length=50)

    class Meta:
        ordering = ["building", "code"]
        constraints = [models.UniqueConstraint(fields=["building", "code"], name="entrance_code_unique_per_building")]
        verbose_name = _("单元")
        verbose_name_plural = _("单元")

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """房屋: what a household or an office occupies, named by its room number."""

    class Kind(models.TextChoices):
        RESIDENCE = "residence", _("住宅")
        OFFICE = "office", _("办公")
        SHOP = "shop", _("商铺")
        PARKING = "parking", _("车位")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        VACANT = "vacant", _("空置")
        OCCUPIED = "occupied", _("入住")
        RENOVATING = "renovating", _("装修")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="units", verbose_name=_("项目"))
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="units", verbose_name=_("楼栋"))
    entrance = models.ForeignKey(
        Entrance, null=True, blank=True, on_delete=models.PROTECT, related_name="units", verbose_name=_("单元")
    )
    floor = models.SmallIntegerField(_("楼层"))
    number = models.CharField(_("房号"), max_length=20)
    code = models.CharField(_("房屋编码"), max_length=50, help_text=_("楼栋-单元-房号，如 3-2-1201"))
    area = models.DecimalField(_("建筑面积(㎡)"), max_digits=9, decimal_places=2, null=True, blank=True)
    kind = models.CharField(_("房屋类型"), max_length=20, choices=Kind.choices, default=Kind.RESIDENCE)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.VACANT)
    zone = models.ForeignKey(
        Zone, null=True, blank=True, on_delete=models.SET_NULL, related_name="units", verbose_name=_("责任区域")
    )

    class Meta:
        ordering = ["project", "code"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="unit_code_unique_per_project")]
        indexes = [models.Index(fields=["project", "building", "floor"])]
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")

    def __str__(self) -> str:
        return self.code

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.project_id}


class Tag(models.Model):
    """Classification tags (客户分类), per project or global (project=None)."""

    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="tags", verbose_name=_("项目")
    )
    name = models.CharField(_("标签"), max_length=30)
    color = models.CharField(_("颜色"), max_length=20, default="blue")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="tag_name_unique_per_project")]
        verbose_name = _("客户标签")
        verbose_name_plural = _("客户标签")

    def __str__(self) -> str:
        return self.name


class CreditGrade(models.TextChoices):
    A = "A", _("A 优")
    B = "B", _("B 良")
    C = "C", _("C 一般")
    D = "D", _("D 差")


class Customer(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", _("个人")
        ORGANISATION = "organisation", _("单位")

    class Category(models.TextChoices):
        OWNER = "owner", _("业主")
        TENANT = "tenant", _("租户")
        OCCUPANT = "occupant", _("住户")
        ENTERPRISE = "enterprise", _("企业客户")

    class IdType(models.TextChoices):
        ID_CARD = "id_card", _("居民身份证")
        PASSPORT = "passport", _("护照")
        HK_MO_TW = "hk_mo_tw", _("港澳台通行证")
        USCC = "uscc", _("统一社会信用代码")
        OTHER = "other", _("其他")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="customers", verbose_name=_("项目"))
    code = models.CharField(_("客户编号"), max_length=30)
    kind = models.CharField(_("客户性质"), max_length=20, choices=Kind.choices, default=Kind.PERSON)
    category = models.CharField(_("客户类型"), max_length=20, choices=Category.choices, default=Category.OWNER)
    name = models.CharField(_("客户名称"), max_length=100)
    gender = models.CharField(_("性别"), max_length=1, blank=True, choices=[("M", _("男")), ("F", _("女"))])
    id_type = models.CharField(_("证件类型"), max_length=20, choices=IdType.choices, blank=True)
    id_number = models.CharField(_("证件号码"), max_length=40, blank=True)
    birthday = models.DateField(_("生日"), null=True, blank=True)
    credit_grade = models.CharField(_("信用等级"), max_length=1, choices=CreditGrade.choices, default=CreditGrade.B)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer_archives",
        verbose_name=_("微物业账号"),
        help_text=_("核实入住后关联的客户登录账号"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers", verbose_name=_("标签"))
    remark = models.TextField(_("备注"), blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["project", "code"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="customer_code_unique_per_project")]
        indexes = [models.Index(fields=["project", "name"]), models.Index(fields=["project", "credit_grade"])]
        verbose_name = _("客户")
        verbose_name_plural = _("客户")

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.project_id}


class Contact(models.Model):
    class Kind(models.TextChoices):
        MOBILE = "mobile", _("手机")
        LANDLINE = "landline", _("固话")
        EMAIL = "email", _("邮箱")
        WECHAT = "wechat", _("微信")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("客户"))
    kind = models.CharField(_("方式"), max_length=10, choices=Kind.choices)
    value = models.CharField(_("号码/账号"), max_length=100, db_index=True)
    label = models.CharField(_("联系人/备注"), max_length=50, blank=True)
    is_primary = models.BooleanField(_("首选"), default=False)

    class Meta:
        ordering = ["customer", "-is_primary", "kind", "pk"]
        verbose_name = _("联系方式")
        verbose_name_plural = _("联系方式")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.customer.project_id, "customer_id": self.customer_id}

    @property
    def is_phone(self) -> bool:
        return self.kind in (self.Kind.MOBILE, self.Kind.LANDLINE)


class Occupancy(models.Model):
    """Who lives in or uses a unit, from move-in to move-out (history is kept)."""

    class Relation(models.TextChoices):
        OWNER = "owner", _("业主")
        TENANT = "tenant", _("租户")
        OCCUPANT = "occupant", _("住户")
        ENTERPRISE = "enterprise", _("入驻企业")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="occupancies", verbose_name=_("房屋"))
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="occupancies", verbose_name=_("客户"))
    relation = models.CharField(_("关系"), max_length=20, choices=Relation.choices)
    move_in = models.DateField(_("入住日期"))
    move_out = models.DateField(_("迁出日期"), null=True, blank=True)
    remark = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["-move_in", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "customer"], condition=Q(move_out__isnull=True), name="occupancy_one_current_per_pair"
            ),
            models.CheckConstraint(
                condition=Q(move_out__isnull=True) | Q(move_out__gte=models.F("move_in")),
                name="occupancy_move_out_after_move_in",
            ),
        ]
        indexes = [models.Index(fields=["customer", "move_out"]), models.Index(fields=["unit", "move_out"])]
        verbose_name = _("入住记录")
        verbose_name_plural = _("入住记录")

    def __str__(self) -> str:
        return f"{self.customer} @ {self.unit}"

    @property
    def is_current(self) -> bool:
        return self.move_out is None

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.unit.project_id, "customer_id": self.customer_id}


class Asset(models.Model):
    """One machine, one archive (一机一档) for after-sales."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="assets", verbose_name=_("项目"))
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="assets", verbose_name=_("客户")
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="assets", verbose_name=_("安装位置")
    )
    name = models.CharField(_("设备名称"), max_length=100)
    model = models.CharField(_("型号"), max_length=100, blank=True)
    serial_no = models.CharField(_("序列号"), max_length=100)
    installed_on = models.DateField(_("安装日期"), null=True, blank=True)
    warranty_until = models.DateField(_("保修截止"), null=True, blank=True)
    remark = models.TextField(_("备注"), blank=True)

    class Meta:
        ordering = ["project", "serial_no"]
        constraints = [models.UniqueConstraint(fields=["project", "serial_no"], name="asset_serial_unique_per_project")]
        verbose_name = _("设备档案")
        verbose_name_plural = _("设备档案")

    def __str__(self) -> str:
        return f"{self.name} {self.serial_no}"

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.project_id}


class AssetRecord(models.Model):
    """An entry in an asset's own archive: installation, maintenance, repair, inspection."""

    class Kind(models.TextChoices):
        INSTALL = "install", _("安装")
        MAINTENANCE = "maintenance", _("保养")
        REPAIR = "repair", _("维修")
        INSPECTION = "inspection", _("巡检")
        OTHER = "other", _("其他")

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="records", verbose_name=_("设备"))
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    happened_on = models.DateField(_("日期"))
    description = models.TextField(_("内容"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("记录人"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-happened_on", "-pk"]
        verbose_name = _("设备记录")
        verbose_name_plural = _("设备记录")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.happened_on}"


class CreditGradeChange(models.Model):
    """Dated history of credit grades, with the reason. Append-only."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="credit_history", verbose_name=_("客户")
    )
    previous = models.CharField(_("原等级"), max_length=1, choices=CreditGrade.choices, blank=True)
    grade = models.CharField(_("新等级"), max_length=1, choices=CreditGrade.choices)
    reason = models.CharField(_("原因"), max_length=200)
    effective_on = models.DateField(_("生效日期"))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("评定人"))
    changed_at = models.DateTimeField(_("评定时间"), auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("信用等级记录")
        verbose_name_plural = _("信用等级记录")

    def __str__(self) -> str:
        return f"{self.previous or '-'} → {self.grade}"


class KeyCustomer(models.Model):
    """重点关注客户: on the list with an owner and a review date."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="key_entry", verbose_name=_("客户")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="key_customers", verbose_name=_("负责人")
    )
    reason = models.CharField(_("关注原因"), max_length=200)
    review_on = models.DateField(_("复核日期"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("添加人")
    )
    added_at = models.DateTimeField(_("添加时间"), auto_now_add=True)

    class Meta:
        ordering = ["review_on"]
        verbose_name = _("重点关注客户")
        verbose_name_plural = _("重点关注客户")

    def __str__(self) -> str:
        return str(self.customer)

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.customer.project_id, "customer_id": self.customer_id}


class CustomerNote(models.Model):
    """A dated note on a customer's archive. Append-only."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes", verbose_name=_("客户"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("记录人"))
    text = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("客户备注")
        verbose_name_plural = _("客户备注")

    def __str__(self) -> str:
        return self.text[:30]


class RevealLog(models.Model):
    """Every time someone unmasks a phone or ID number. Append-only."""

    class Field(models.TextChoices):
        PHONE = "phone", _("电话")
        ID_NUMBER = "id_number", _("证件号码")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("查看人"))
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("客户"))
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    field = models.CharField(_("字段"), max_length=20, choices=Field.choices)
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    channel = models.CharField(_("途径"), max_length=10, default="web")

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["customer", "at"])]
        verbose_name = _("敏感信息查看记录")
        verbose_name_plural = _("敏感信息查看记录")

    def __str__(self) -> str:
        return f"{self.user} {self.get_field_display()} {self.at}"
