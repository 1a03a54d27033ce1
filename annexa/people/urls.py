"""The people pages, mounted under ``/o/<org>/people/``."""

from django.urls import path

from annexa.people import views

app_name = "people"

urlpatterns = [
    path("", views.PeopleListView.as_view(), name="list"),
    path("new/", views.PersonCreateView.as_view(), name="create"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("export.xlsx", views.ExportView.as_view(fmt="xlsx"), name="export-xlsx"),
    path("export.csv", views.ExportView.as_view(fmt="csv"), name="export-csv"),
    path("checks/", views.ChecksView.as_view(), name="checks"),
    path(
        "checks/joiners/save/",
        views.PopulationView.as_view(kind="joiners"),
        name="population-joiners",
    ),
    path(
        "checks/leavers/save/",
        views.PopulationView.as_view(kind="leavers"),
        name="population-leavers",
    ),
    path("settings/", views.SettingsView.as_view(), name="settings"),
    path("<int:pk>/", views.PersonDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.PersonEditView.as_view(), name="edit"),
    path("<int:pk>/trainings/", views.TrainingAddView.as_view(), name="add-training"),
    path(
        "trainings/<int:pk>/remove/",
        views.TrainingRemoveView.as_view(),
        name="remove-training",
    ),
]
