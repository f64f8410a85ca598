"""The supervision service's reports (U5): ``report`` of an organisation for
a kind and period, one row per branch (report_views.py), the members' points
totals of the report's year asked of scoring in batches of TOTALS_BATCH (one
call per batch, never per branch: SupervisionService._year_totals)."""
from nameko.rpc import rpc

from services.supervision import report_views
from shared.errors import ALL_ERRORS
from shared.periods import parse_report_period


class ReportEntrypoints:
    """Mixed into SupervisionService (service.py)."""

    @rpc(expected_exceptions=ALL_ERRORS)
    def report(self, org_id, kind, period, details=False):
        """{"period", "rows"}: a row per branch at or below ``org_id``; with
        ``details`` (the workbook) also the quota results and the items that
        the rows count, each naming its branch. BAD_INPUT "period" when the
        period's shape is not the kind's ("2017-H1" for MIDYEAR)."""
        period = parse_report_period(kind, period)
        return report_views.report_of(self.db, org_id, period, bool(details),
                                      self._year_totals)
