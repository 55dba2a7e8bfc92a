"""Which organisation tables are audited (who changed what, when)."""

from auditlog.registry import auditlog

from .models import Department, Membership, Project, User, Zone

auditlog.register(Project)
auditlog.register(Zone)
auditlog.register(Department)
auditlog.register(Membership, m2m_fields={"zones"})
auditlog.register(User, include_fields=["username", "name", "mobile", "employee_no", "is_active", "on_duty"])
