"""QC tests use the service desk's fixtures (departments, a case factory)."""

from kefu.tickets.tests.conftest import desk, new_case  # noqa: F401  (re-exported fixtures)
