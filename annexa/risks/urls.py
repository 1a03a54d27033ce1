"""The risk register's pages, mounted at ``/o/<org>/risks/``."""

from django.urls import path

from annexa.risks.views import assessments, documents, methodology, risks

app_name = "risks"

urlpatterns = [
    path("", risks.RegisterView.as_view(), name="list"),
    path("new/", risks.RiskCreateView.as_view(), name="create"),
    path("heatmap/", risks.HeatMapView.as_view(), name="heatmap"),
    *(
        path(
            f"{kind}.{fmt}",
            documents.RiskDocumentView.as_view(kind=kind, fmt=fmt),
            name=f"document-{kind}-{fmt}",
        )
        for kind in ("assessment", "treatment")
        for fmt in ("pdf", "docx")
    ),
    path("assessments/", assessments.AssessmentsView.as_view(), name="assessments"),
    path("methodology/", methodology.MethodologyView.as_view(), name="methodology"),
    path("<int:pk>/", risks.RiskDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", risks.RiskEditView.as_view(), name="edit"),
    path("<int:pk>/inherent/", risks.InherentView.as_view(), name="inherent"),
    path("<int:pk>/treatment/", risks.TreatmentView.as_view(), name="treatment"),
    path("<int:pk>/residual/", risks.ResidualView.as_view(), name="residual"),
    path("<int:pk>/accept/", risks.AcceptView.as_view(), name="accept"),
    path("<int:pk>/close/", risks.CloseView.as_view(), name="close"),
    path("<int:pk>/soa/", risks.SoAProposalView.as_view(), name="soa"),
    path("<int:pk>/actions/", risks.AddActionView.as_view(), name="add-action"),
    path("actions/<int:pk>/", risks.ActionStatusView.as_view(), name="action"),
]
