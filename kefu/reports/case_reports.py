"""The case reports (工单与投诉报表). Filled in by issue 6."""

from __future__ import annotations

from .registry import Report

REPORTS: list[Report] = []
