from django.urls import path

from careers import views

app_name = "careers"
urlpatterns = [
    path("jobs/", views.JobListView.as_view(), name="job-list"),
    path("jobs/<int:pk>/", views.JobDetailView.as_view(), name="job-detail"),
    path("jobs/<int:pk>/apply/", views.job_apply, name="job-apply"),
    path("jobs/<int:pk>/apply/thanks/", views.job_applied, name="job-applied"),
    # Staff only (404 to anyone else): the CV an application came with.
    path("staff/applications/<int:pk>/cv/", views.application_cv, name="application-cv"),
]
