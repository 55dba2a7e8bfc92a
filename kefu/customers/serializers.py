from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kefu.core.masking import mask_id_number

from .exporting import masked_contact
from .models import Asset, AssetRecord, Contact, CreditGrade, CreditGradeChange, Customer, KeyCustomer, Occupancy, Unit


class ContactOutSerializer(serializers.ModelSerializer):
    value = serializers.SerializerMethodField(help_text="脱敏后的号码；完整号码请调用 reveal")

    class Meta:
        model = Contact
        fields = ["id", "kind", "value", "label", "is_primary"]

    def get_value(self, obj: Contact) -> str:
        return masked_contact(obj)


class ContactInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Contact.Kind.choices)
    value = serializers.CharField(max_length=100)
    label = serializers.CharField(max_length=50, required=False, default="", allow_blank=True)
    is_primary = serializers.BooleanField(required=False, default=False)


class OccupancySerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = Occupancy
        fields = ["id", "unit", "unit_code", "customer", "customer_name", "relation", "move_in", "move_out"]


class CustomerSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="code", read_only=True)
    id_number = serializers.SerializerMethodField()
    contacts = ContactOutSerializer(many=True, read_only=True)
    units = serializers.SerializerMethodField()
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    is_key_customer = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id",
            "code",
            "project",
            "name",
            "kind",
            "category",
            "gender",
            "id_type",
            "id_number",
            "birthday",
            "credit_grade",
            "tags",
            "remark",
            "contacts",
            "units",
            "is_key_customer",
            "version",
            "created_at",
            "updated_at",
        ]

    def get_id_number(self, obj: Customer) -> str:
        return mask_id_number(obj.id_number)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_units(self, obj: Customer) -> list[str]:
        occ = getattr(obj, "current_occupancies", None)
        if occ is None:
            occ = obj.occupancies.filter(move_out__isnull=True).select_related("unit")
        return [o.unit.code for o in occ]

    def get_is_key_customer(self, obj: Customer) -> bool:
        return hasattr(obj, "key_entry")


class CustomerCreateSerializer(serializers.Serializer):
    project = serializers.CharField(help_text="项目编码")
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=Customer.Kind.choices, default=Customer.Kind.PERSON)
    category = serializers.ChoiceField(choices=Customer.Category.choices, default=Customer.Category.OWNER)
    gender = serializers.ChoiceField(choices=[("", ""), ("M", "男"), ("F", "女")], required=False, default="")
    id_type = serializers.ChoiceField(choices=[("", ""), *Customer.IdType.choices], required=False, default="")
    id_number = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)
    birthday = serializers.DateField(required=False, allow_null=True, default=None)
    credit_grade = serializers.ChoiceField(choices=CreditGrade.choices, default=CreditGrade.B)
    remark = serializers.CharField(required=False, default="", allow_blank=True)
    contacts = ContactInSerializer(many=True, required=False, default=list)


class CustomerUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="读取时的版本号；他人已修改时返回 409")
    name = serializers.CharField(max_length=100, required=False)
    kind = serializers.ChoiceField(choices=Customer.Kind.choices, required=False)
    category = serializers.ChoiceField(choices=Customer.Category.choices, required=False)
    gender = serializers.ChoiceField(choices=[("", ""), ("M", "男"), ("F", "女")], required=False)
    id_type = serializers.ChoiceField(choices=[("", ""), *Customer.IdType.choices], required=False)
    id_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    birthday = serializers.DateField(required=False, allow_null=True)
    remark = serializers.CharField(required=False, allow_blank=True)


class RevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=[("phone", "电话"), ("id_number", "证件号码")])
    contact = serializers.IntegerField(required=False, help_text="field=phone 时必填：联系方式 id")


class RevealResultSerializer(serializers.Serializer):
    value = serializers.CharField()


class GradeSerializer(serializers.Serializer):
    grade = serializers.ChoiceField(choices=CreditGrade.choices)
    reason = serializers.CharField(max_length=200)
    effective_on = serializers.DateField(required=False, allow_null=True, default=None)


class CreditGradeChangeSerializer(serializers.ModelSerializer):
    changed_by = serializers.StringRelatedField()

    class Meta:
        model = CreditGradeChange
        fields = ["id", "previous", "grade", "reason", "effective_on", "changed_by", "changed_at"]


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField()


class UnitSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="code", read_only=True)
    building = serializers.SlugRelatedField(slug_field="code", read_only=True)
    zone = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    occupants = serializers.SerializerMethodField()

    class Meta:
        model = Unit
        fields = ["id", "code", "project", "building", "floor", "number", "kind", "area", "status", "zone", "occupants"]

    @extend_schema_field(OccupancySerializer(many=True))
    def get_occupants(self, obj: Unit) -> list[dict[str, Any]]:
        occ = getattr(obj, "current_occupancies", [])
        return OccupancySerializer(occ, many=True).data  # type: ignore[return-value]


class MoveInSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    relation = serializers.ChoiceField(choices=Occupancy.Relation.choices)
    move_in = serializers.DateField()


class MoveOutSerializer(serializers.Serializer):
    move_out = serializers.DateField()


class AssetRecordSerializer(serializers.ModelSerializer):
    author = serializers.StringRelatedField(read_only=True)

    class Meta:
        model = AssetRecord
        fields = ["id", "kind", "happened_on", "description", "author", "created_at"]
        read_only_fields = ["id", "author", "created_at"]


class AssetSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Asset
        fields = [
            "id",
            "project",
            "name",
            "model",
            "serial_no",
            "customer",
            "unit",
            "unit_code",
            "installed_on",
            "warranty_until",
            "remark",
        ]
        read_only_fields = ["id", "project", "customer", "unit", "unit_code"]


class AssetCreateSerializer(serializers.Serializer):
    project = serializers.CharField(help_text="项目编码")
    name = serializers.CharField(max_length=100)
    model = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    serial_no = serializers.CharField(max_length=100)
    customer = serializers.IntegerField(required=False, allow_null=True, default=None)
    unit = serializers.IntegerField(required=False, allow_null=True, default=None)
    installed_on = serializers.DateField(required=False, allow_null=True, default=None)
    warranty_until = serializers.DateField(required=False, allow_null=True, default=None)
    remark = serializers.CharField(required=False, default="", allow_blank=True)


class KeyCustomerSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    owner = serializers.StringRelatedField()

    class Meta:
        model = KeyCustomer
        fields = ["id", "customer", "customer_name", "owner", "reason", "review_on", "added_at"]
