"""Organization pages of the isms app, mounted at ``/o/<org>/``."""

from django.urls import path

from annexa.isms.views import context, dashboard, objectives, scope, soa

app_name = "isms"


def _item_routes(prefix: str, name: str, views: tuple) -> list:
    row, new, edit, delete = views
    return [
        path(f"context/{prefix}/new/", new.as_view(), name=f"{name}-new"),
        path(f"context/{prefix}/<int:pk>/", row.as_view(), name=f"{name}-row"),
        path(f"context/{prefix}/<int:pk>/edit/", edit.as_view(), name=f"{name}-edit"),
        path(f"context/{prefix}/<int:pk>/delete/", delete.as_view(), name=f"{name}-delete"),
    ]


urlpatterns = [
    # The organization's landing page /o/<org>/ is the readiness dashboard (dashboard app).
    path("overview/", dashboard.DashboardView.as_view(), name="dashboard"),
    path("scope/", scope.ScopeView.as_view(), name="scope"),
    path("scope/edit/", scope.ScopeEditView.as_view(), name="scope-edit"),
    path("scope/approve/", scope.ScopeApproveView.as_view(), name="scope-approve"),
    path(
        "scope/versions/<int:version>/",
        scope.ScopeVersionView.as_view(),
        name="scope-version",
    ),
    path("context/", context.ContextView.as_view(), name="context"),
    *_item_routes(
        "issues",
        "issue",
        (
            context.IssueRowView,
            context.IssueNewView,
            context.IssueEditView,
            context.IssueDeleteView,
        ),
    ),
    *_item_routes(
        "parties",
        "party",
        (
            context.PartyRowView,
            context.PartyNewView,
            context.PartyEditView,
            context.PartyDeleteView,
        ),
    ),
    *_item_routes(
        "units",
        "unit",
        (context.UnitRowView, context.UnitNewView, context.UnitEditView, context.UnitDeleteView),
    ),
    path("objectives/", objectives.ObjectivesView.as_view(), name="objectives"),
    path("objectives/new/", objectives.ObjectiveNewView.as_view(), name="objective-new"),
    path("objectives/<int:pk>/", objectives.ObjectiveRowView.as_view(), name="objective-row"),
    path(
        "objectives/<int:pk>/edit/", objectives.ObjectiveEditView.as_view(), name="objective-edit"
    ),
    path(
        "objectives/<int:pk>/measure/",
        objectives.ObjectiveMeasureView.as_view(),
        name="objective-measure",
    ),
    path(
        "objectives/<int:pk>/withdraw/",
        objectives.ObjectiveWithdrawView.as_view(),
        name="objective-withdraw",
    ),
    path("soa/", soa.SoAListView.as_view(), name="soa"),
    path("soa/export.xlsx", soa.SoAExportView.as_view(fmt="xlsx"), name="soa-export-xlsx"),
    path("soa/export.csv", soa.SoAExportView.as_view(fmt="csv"), name="soa-export-csv"),
    path("soa/import/", soa.SoAImportView.as_view(), name="soa-import"),
    path("soa/document.pdf", soa.SoADocumentView.as_view(fmt="pdf"), name="soa-document-pdf"),
    path("soa/document.docx", soa.SoADocumentView.as_view(fmt="docx"), name="soa-document-docx"),
    path("soa/approve/", soa.SoAApproveView.as_view(), name="soa-approve"),
    path("soa/<str:control_id>/", soa.SoARowView.as_view(), name="soa-row"),
    path("soa/<str:control_id>/edit/", soa.SoAEditView.as_view(), name="soa-edit"),
    path("soa/<str:control_id>/history/", soa.SoAHistoryView.as_view(), name="soa-history"),
    path(
        "soa/<str:control_id>/accept-proposal/",
        soa.SoAAcceptProposalView.as_view(),
        name="soa-accept-proposal",
    ),
]
