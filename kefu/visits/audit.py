"""Visit settings that managers change are audited (who changed which policy, script or plan)."""

from auditlog.registry import auditlog

from .models import VisitPlan, VisitPolicy, VisitScript

auditlog.register(VisitPolicy)
auditlog.register(VisitScript)
auditlog.register(VisitPlan)
