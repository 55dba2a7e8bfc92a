"""API shapes of the special-services catalogue and of an order."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from .models import ServiceItem, ServiceOrder


class ServiceItemSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(read_only=True, help_text="计价单位：次、小时、平方米、台、个、套、米")
    price_label = serializers.CharField(read_only=True)
    shared = serializers.SerializerMethodField()

    class Meta:
        model = ServiceItem
        fields = ["id", "name", "description", "price", "unit", "price_label", "project", "shared"]
        read_only_fields = fields

    def get_shared(self, item: ServiceItem) -> bool:
        return item.project_id is None


class OrderInputSerializer(serializers.Serializer):
    unit = serializers.IntegerField(help_text="服务地址：我的房屋 id（见 /api/v1/portal/cases/options/ 的 units）")
    quantity = serializers.DecimalField(max_digits=8, decimal_places=1, min_value=Decimal("0.1"))
    preferred_time = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ServiceOrderSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    case_status = serializers.CharField(source="case.status", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = ServiceOrder
        fields = [
            "id",
            "item",
            "name",
            "unit_price",
            "price_unit",
            "quantity",
            "total",
            "unit",
            "unit_code",
            "case_number",
            "case_status",
            "created_at",
        ]
        read_only_fields = fields
