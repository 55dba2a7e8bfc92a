"""Roles and what each may do: the one table the service layer and the UI both read.

A role is held per project through a Membership row; HEAD_OFFICE is held without a project and
reaches every project. A permission says *what* may be done; the scope (kefu.org.scope) says
*where* (which projects, or for stewards which zones).
"""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MANAGER = "manager", _("客服经理")
    SUPERVISOR = "supervisor", _("客服主管")
    AGENT = "agent", _("客服专员/前台")
    COMPLAINT_OFFICER = "complaint_officer", _("投诉专员")
    STEWARD = "steward", _("管家")
    FIELD_STAFF = "field_staff", _("维修/工程人员")
    QC_REVIEWER = "qc_reviewer", _("质检复核员")
    ARCHIVIST = "archivist", _("资料管理员")
    HEAD_OFFICE = "head_office", _("总部")


class Perm(StrEnum):
    VIEW_ARCHIVES = "view_archives"
    EDIT_ARCHIVES = "edit_archives"
    IMPORT_ARCHIVES = "import_archives"
    REVEAL_PHONE = "reveal_phone"
    REVEAL_ID = "reveal_id"
    GRADE_CREDIT = "grade_credit"
    MANAGE_KEY_CUSTOMERS = "manage_key_customers"
    MANAGE_ORG = "manage_org"
    VIEW_ORG = "view_org"
    VIEW_AUDIT = "view_audit"
    # Service desk (cases)
    VIEW_CASES = "view_cases"  # see the project's (steward: the zone's) cases
    CREATE_CASE = "create_case"  # intake from any channel
    DISPATCH_CASE = "dispatch_case"  # dispatch, transfer, cancel, close, merge, bulk assign
    HANDLE_CASE = "handle_case"  # accept, start, hold, resolve the cases assigned to one (or grab from a pool)
    MANAGE_DESK = "manage_desk"  # categories, SLA policies, the working-day calendar
    # Return visits and surveys
    VISIT = "visit"  # make return visits and survey calls (steward: in the zone)
    MANAGE_VISITS = "manage_visits"  # visit policies, scripts, plans, survey campaigns, reassigning visits
    SIGN_OFF_VISITS = "sign_off_visits"  # the supervisor's sign-off of completed visits
    VIEW_REPORTS = "view_reports"  # the analysis and report pages
    # Quality control
    QC_REVIEW = "qc_review"  # review (复核) and sampling checks on the QC sheet
    MANAGE_QC = "manage_qc"  # error points, review rules, sampling plans, thresholds, scorecard weights
    SIGN_OFF_DAY = "sign_off_day"  # sign the daily reconciliation (日结) off
    # Knowledge base
    MANAGE_KB = "manage_kb"  # FAQ (答客问), standard phrases (服务用语) and shared canned replies (常用回复)
    # Notices (一对多信息发布)
    PUBLISH_NOTICES = "publish_notices"  # write, publish, schedule and withdraw notices; see their read receipts


_ALL = set(Perm)

ROLE_PERMS: dict[Role, frozenset[Perm]] = {
    Role.MANAGER: frozenset(_ALL),
    Role.HEAD_OFFICE: frozenset(_ALL),
    Role.SUPERVISOR: frozenset(
        {
            Perm.VIEW_CASES,
            Perm.CREATE_CASE,
            Perm.DISPATCH_CASE,
            Perm.HANDLE_CASE,
            Perm.VIEW_ARCHIVES,
            Perm.EDIT_ARCHIVES,
            Perm.IMPORT_ARCHIVES,
            Perm.REVEAL_PHONE,
            Perm.GRADE_CREDIT,
            Perm.MANAGE_KEY_CUSTOMERS,
            Perm.VIEW_ORG,
            Perm.VISIT,
            Perm.MANAGE_VISITS,
            Perm.SIGN_OFF_VISITS,
            Perm.VIEW_REPORTS,
            Perm.QC_REVIEW,
            Perm.SIGN_OFF_DAY,
            Perm.PUBLISH_NOTICES,
            Perm.MANAGE_KB,
        }
    ),
    Role.AGENT: frozenset(
        {
            Perm.VIEW_ARCHIVES,
            Perm.EDIT_ARCHIVES,
            Perm.REVEAL_PHONE,
            Perm.VIEW_ORG,
            Perm.VIEW_CASES,
            Perm.CREATE_CASE,
            Perm.DISPATCH_CASE,
            Perm.HANDLE_CASE,
            Perm.VISIT,
        }
    ),
    Role.COMPLAINT_OFFICER: frozenset(
        {
            Perm.VIEW_ARCHIVES,
            Perm.REVEAL_PHONE,
            Perm.VIEW_ORG,
            Perm.VIEW_CASES,
            Perm.CREATE_CASE,
            Perm.DISPATCH_CASE,
            Perm.HANDLE_CASE,
            Perm.VISIT,
        }
    ),
    # Stewards see and maintain the households of their own zones only (see scope.py).
    Role.STEWARD: frozenset(
        {
            Perm.VIEW_ARCHIVES,
            Perm.EDIT_ARCHIVES,
            Perm.REVEAL_PHONE,
            Perm.VIEW_ORG,
            Perm.VIEW_CASES,
            Perm.CREATE_CASE,
            Perm.HANDLE_CASE,
            Perm.VISIT,
        }
    ),
    # Field staff see only the cases dispatched to them or to their department's grab pool
    # (tickets.selectors), not the project's whole desk.
    Role.FIELD_STAFF: frozenset({Perm.VIEW_ORG, Perm.HANDLE_CASE}),
    Role.QC_REVIEWER: frozenset(
        {Perm.VIEW_ARCHIVES, Perm.VIEW_ORG, Perm.VIEW_CASES, Perm.VIEW_REPORTS, Perm.QC_REVIEW}
    ),
    Role.ARCHIVIST: frozenset(
        {
            Perm.VIEW_ARCHIVES,
            Perm.EDIT_ARCHIVES,
            Perm.IMPORT_ARCHIVES,
            Perm.REVEAL_PHONE,
            Perm.REVEAL_ID,
            Perm.GRADE_CREDIT,
            Perm.VIEW_ORG,
            Perm.VIEW_CASES,
        }
    ),
}

# Roles whose archive access is limited to the zones they own.
ZONE_SCOPED_ROLES = frozenset({Role.STEWARD})


def role_has(role: str, perm: Perm) -> bool:
    return perm in ROLE_PERMS.get(Role(role), frozenset())
