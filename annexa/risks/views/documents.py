"""The risk assessment report and the risk treatment plan as downloads (PDF, DOCX)."""

from __future__ import annotations

from django.views import View

from annexa.core import security_log
from annexa.core.views import OrgViewMixin


class RiskDocumentView(OrgViewMixin, View):
    """``kind`` is ``assessment`` or ``treatment``, ``fmt`` is ``pdf`` or ``docx``."""

    kind = "assessment"
    fmt = "pdf"

    def get(self, request, **kwargs):
        from annexa.core.pdf import failure_response
        from annexa.reports.downloads import file_response
        from annexa.risks import documents

        try:
            content, name = documents.render(self.ctx.org, self.kind, self.fmt)
        except documents.DocumentError as exc:
            return failure_response(request, exc)
        security_log.export_by(
            self.ctx, f"the {documents.KINDS[self.kind].lower()}", format=self.fmt
        )
        return file_response(content, name, self.fmt)
