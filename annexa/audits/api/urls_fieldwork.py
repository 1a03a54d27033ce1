"""API routes of checklists, fieldwork, sampling and evidence requests (appended to ``urls``).

The audit viewset is mounted at the app's root with numeric ids, so every route here has a
second path segment and never reads as an audit.
"""

from django.urls import path

from annexa.audits.api import checklist, requests, sampling
from annexa.audits.views.checklist import EXPORTS

ITEM = "checklist/items/<int:pk>"

urlpatterns = [
    path("<int:pk>/checklist/", checklist.AuditChecklistView.as_view(), name="checklist"),
    path(
        "<int:pk>/checklist/generate/",
        checklist.GenerateView.as_view(),
        name="checklist-generate",
    ),
    path("<int:pk>/checklist/items/", checklist.AddItemView.as_view(), name="checklist-add"),
    path("<int:pk>/checklist/import/", checklist.ImportView.as_view(), name="checklist-import"),
    path(
        "<int:pk>/checklist/close/",
        checklist.CloseFieldworkView.as_view(),
        name="checklist-close",
    ),
    *[
        path(
            f"<int:pk>/checklist/export.{fmt}",
            checklist.ExportView.as_view(fmt=fmt),
            name=f"checklist-{fmt}",
        )
        for fmt in EXPORTS
    ],
    path("<int:pk>/requests/", requests.AuditRequestsView.as_view(), name="audit-requests"),
    path(f"{ITEM}/", checklist.ItemView.as_view(), name="checklist-item"),
    path(f"{ITEM}/evidence/", checklist.ItemUploadView.as_view(), name="checklist-item-upload"),
    path(f"{ITEM}/remove/", checklist.ItemRemoveView.as_view(), name="checklist-item-remove"),
    path(f"{ITEM}/restore/", checklist.ItemRestoreView.as_view(), name="checklist-item-restore"),
    path(f"{ITEM}/move/", checklist.ItemMoveView.as_view(), name="checklist-item-move"),
    path(f"{ITEM}/samples/", sampling.ItemSamplesView.as_view(), name="checklist-item-samples"),
    path(f"{ITEM}/requests/", requests.ItemRequestsView.as_view(), name="checklist-item-requests"),
    path("samples/size/", sampling.SizeView.as_view(), name="sample-size"),
    path("samples/<int:pk>/", sampling.SampleView.as_view(), name="sample"),
    path("samples/records/<int:pk>/", sampling.RecordView.as_view(), name="sample-record"),
    path("requests/mine/", requests.MyRequestsView.as_view(), name="my-requests"),
    path("requests/<int:pk>/", requests.RequestView.as_view(), name="evidence-request"),
    path(
        "requests/<int:pk>/upload/", requests.AnswerView.as_view(), name="evidence-request-upload"
    ),
    path(
        "requests/<int:pk>/cancel/", requests.CancelView.as_view(), name="evidence-request-cancel"
    ),
]
