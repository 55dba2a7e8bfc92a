"""Desk settings that managers change are audited (who changed which category, policy or holiday)."""

from auditlog.registry import auditlog

from .models import CalendarDay, CalendarYear, Category, SlaPolicy

auditlog.register(Category)
auditlog.register(SlaPolicy)
auditlog.register(CalendarDay)
auditlog.register(CalendarYear)
