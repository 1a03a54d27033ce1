"""Organization pages of the audits app, mounted at ``/o/<org>/audits/``."""

from django.urls import path

from annexa.audits.urls_fieldwork import urlpatterns as fieldwork_urlpatterns
from annexa.audits.views import audits, feeds, owners, programme

app_name = "audits"

urlpatterns = [
    path("", programme.ProgrammeListView.as_view(), name="programmes"),
    path("programmes/new/", programme.ProgrammeCreateView.as_view(), name="programme-new"),
    path("programmes/<int:pk>/", programme.ProgrammeDetailView.as_view(), name="programme"),
    path("programmes/<int:pk>/edit/", programme.ProgrammeEditView.as_view(), name="programme-edit"),
    path("programmes/<int:pk>/plan/", programme.ProgrammePlanView.as_view(), name="programme-plan"),
    path(
        "programmes/<int:pk>/approve/",
        programme.ProgrammeApproveView.as_view(),
        name="programme-approve",
    ),
    path(
        "programmes/<int:pk>/delete/",
        programme.ProgrammeDeleteView.as_view(),
        name="programme-delete",
    ),
    path("programmes/<int:pk>/gaps/", programme.GapReasonView.as_view(), name="programme-gap"),
    path(
        "programmes/<int:pk>/coverage.svg",
        programme.CoverageSVGView.as_view(),
        name="programme-coverage-svg",
    ),
    path(
        "programmes/<int:pk>/export.ics",
        programme.ProgrammeExportView.as_view(fmt="ics"),
        name="programme-ics",
    ),
    path(
        "programmes/<int:pk>/export.xlsx",
        programme.ProgrammeExportView.as_view(fmt="xlsx"),
        name="programme-xlsx",
    ),
    path("programmes/<int:pk>/audits/new/", audits.AuditCreateView.as_view(), name="audit-new"),
    path("<int:pk>/", audits.AuditDetailView.as_view(), name="audit"),
    path("<int:pk>/edit/", audits.AuditEditView.as_view(), name="audit-edit"),
    path("<int:pk>/team/", audits.TeamAddView.as_view(), name="audit-team"),
    path("<int:pk>/team/remove/", audits.TeamRemoveView.as_view(), name="audit-team-remove"),
    path("<int:pk>/override/", audits.OverrideView.as_view(), name="audit-override"),
    path("<int:pk>/status/", audits.StatusView.as_view(), name="audit-status"),
    path("<int:pk>/reopen/", audits.ReopenView.as_view(), name="audit-reopen"),
    path("<int:pk>/copy/", audits.CopyView.as_view(), name="audit-copy"),
    path("<int:pk>/delete/", audits.AuditDeleteView.as_view(), name="audit-delete"),
    path("owners/", owners.RequirementOwnersView.as_view(), name="requirement-owners"),
    path("feed/", feeds.FeedView.as_view(), name="feed"),
]

# Checklists, fieldwork, sampling and evidence requests.
urlpatterns += fieldwork_urlpatterns
