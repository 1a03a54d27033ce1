from django.urls import path

from annexa.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.GridView.as_view(), name="grid"),
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
    path("tests/", views.TestCatalogView.as_view(), name="tests"),
    path("runs/<int:pk>/", views.TestRunView.as_view(), name="run"),
    path("settings/", views.SettingsView.as_view(), name="settings"),
    path("controls/<str:control_id>/", views.ControlMonitorView.as_view(), name="control"),
    path(
        "controls/<str:control_id>/raise-draft/",
        views.RaiseDraftView.as_view(),
        name="raise-draft",
    ),
]
