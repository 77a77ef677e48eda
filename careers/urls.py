from django.urls import path

from careers import views

app_name = "careers"
urlpatterns = [
    path("jobs/", views.JobListView.as_view(), name="job-list"),
]
