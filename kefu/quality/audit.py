"""QC settings that managers change are audited."""

from auditlog.registry import auditlog

from .models import ErrorPoint, ReviewPolicy, SamplingPlan, ScorecardWeights, StuckThreshold

auditlog.register(ErrorPoint)
auditlog.register(ReviewPolicy)
auditlog.register(SamplingPlan)
auditlog.register(StuckThreshold)
auditlog.register(ScorecardWeights)
