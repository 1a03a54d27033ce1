from django.urls import path

from annexa.monitoring.api import views

app_name = "monitoring-api"
urlpatterns = [
    path("controls/", views.ControlStatusListAPI.as_view(), name="controls"),
    path("controls/<str:control_id>/", views.ControlStatusAPI.as_view(), name="control"),
    path("coverage/", views.CoverageAPI.as_view(), name="coverage"),
    path("runs/", views.TestRunListAPI.as_view(), name="runs"),
    path("runs/<int:pk>/", views.TestRunDetailAPI.as_view(), name="run"),
    path("changes/", views.StatusChangesAPI.as_view(), name="changes"),
    path("tests/", views.TestCatalogAPI.as_view(), name="tests"),
    path("settings/", views.SettingsAPI.as_view(), name="settings"),
    path("notifications/", views.NotificationListAPI.as_view(), name="notifications"),
]
