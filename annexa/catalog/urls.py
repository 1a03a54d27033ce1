from django.urls import path

from annexa.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.ControlListView.as_view(), name="controls"),
    path("controls/<str:control_id>/", views.ControlDetailView.as_view(), name="control"),
    path("clauses/", views.RequirementListView.as_view(), name="requirements"),
    path(
        "clauses/<str:requirement_id>/",
        views.RequirementDetailView.as_view(),
        name="requirement",
    ),
]
