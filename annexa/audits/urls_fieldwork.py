"""Pages of checklists, fieldwork, sampling and evidence requests (appended to ``urls``)."""

from django.urls import path

from annexa.audits.views import checklist, checklist_item, requests, sampling

ITEM = "checklist/items/<int:pk>"

urlpatterns = [
    path("<int:pk>/checklist/", checklist.ChecklistView.as_view(), name="checklist"),
    path(
        "<int:pk>/checklist/generate/",
        checklist.GenerateView.as_view(),
        name="checklist-generate",
    ),
    path("<int:pk>/checklist/add/", checklist.AddItemView.as_view(), name="checklist-add"),
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
        for fmt in checklist.EXPORTS
    ],
    path("<int:pk>/requests/", requests.AuditRequestsView.as_view(), name="audit-requests"),
    path(f"{ITEM}/", checklist_item.ItemView.as_view(), name="checklist-item"),
    path(f"{ITEM}/save/", checklist_item.ItemSaveView.as_view(), name="checklist-item-save"),
    path(f"{ITEM}/row/", checklist_item.ItemRowView.as_view(), name="checklist-item-row"),
    path(f"{ITEM}/move/", checklist_item.MoveView.as_view(), name="checklist-item-move"),
    path(f"{ITEM}/remove/", checklist_item.RemoveView.as_view(), name="checklist-item-remove"),
    path(f"{ITEM}/restore/", checklist_item.RestoreView.as_view(), name="checklist-item-restore"),
    path(
        f"{ITEM}/evidence-search/",
        checklist_item.EvidenceSearchView.as_view(),
        name="checklist-item-evidence-search",
    ),
    path(f"{ITEM}/samples/", sampling.SamplingView.as_view(), name="checklist-item-sampling"),
    path(f"{ITEM}/request/", requests.RequestCreateView.as_view(), name="checklist-item-request"),
    path("samples/<int:pk>/", sampling.SampleView.as_view(), name="sample"),
    path(
        "samples/<int:pk>/population.txt",
        sampling.PopulationView.as_view(),
        name="sample-population",
    ),
    path("samples/records/<int:pk>/", sampling.RecordView.as_view(), name="sample-record"),
    path("requests/mine/", requests.MyRequestsView.as_view(), name="my-requests"),
    path("requests/<int:pk>/", requests.RequestView.as_view(), name="evidence-request"),
    path(
        "requests/<int:pk>/upload/",
        requests.FulfilView.as_view(),
        name="evidence-request-upload",
    ),
    path(
        "requests/<int:pk>/cancel/",
        requests.CancelView.as_view(),
        name="evidence-request-cancel",
    ),
]
