from django.views.generic import ListView

from careers.selectors import jobs_open


class JobListView(ListView):
    template_name = "careers/job_list.html"
    context_object_name = "jobs"
    paginate_by = 20

    def get_queryset(self):
        return jobs_open()
