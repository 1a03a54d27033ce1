"""The asset inventory's pages, mounted at ``/o/<org>/assets/``."""

from django.urls import path

from annexa.risks.views import assets, classifications

app_name = "assets"

urlpatterns = [
    path("", assets.AssetListView.as_view(), name="list"),
    path("new/", assets.AssetCreateView.as_view(), name="create"),
    path(
        "classifications/",
        classifications.ClassificationsView.as_view(),
        name="classifications",
    ),
    path("from-scope/", assets.FromScopeView.as_view(), name="from-scope"),
    path("<int:pk>/", assets.AssetDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", assets.AssetEditView.as_view(), name="edit"),
    path("<int:pk>/confirm/", assets.ConfirmView.as_view(), name="confirm"),
]
