"""The careers portal of the organization on this host, and its staff's CV downloads."""

from pathlib import PurePosixPath

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django.views.generic import DetailView, ListView

from audit.services import Actions, audit_record
from careers import selectors
from careers.forms import ApplicationForm
from careers.ratelimit import application_accepted_register, application_attempt_check
from careers.services import ApplicationDuplicate, application_submit
from tenancy.private_files import tenant_file_response
from tenancy.client_ip import client_ip

APPLIED_SESSION_KEY = "careers_applied_job_ids"


class JobListView(ListView):
    template_name = "careers/job_list.html"
    context_object_name = "jobs"
    paginate_by = 20

    def filters(self) -> dict[str, str]:
        return {name: self.request.GET.get(name, "").strip()[:200]
                for name in ("department", "location", "q")}

    def get_queryset(self):
        f = self.filters()
        return selectors.jobs_open_filtered(department=f["department"], location=f["location"],
                                            search=f["q"])

    def get_context_data(self, **kwargs):
        departments, locations = selectors.job_open_filter_choices()
        return super().get_context_data(filters=self.filters(), departments=departments,
                                        locations=locations, **kwargs)


class JobDetailView(DetailView):
    template_name = "careers/job_detail.html"
    context_object_name = "job"

    def get_queryset(self):
        return selectors.jobs_open()


@require_http_methods(["GET", "POST"])
def job_apply(request, pk: int):
    job = get_object_or_404(selectors.jobs_open(), pk=pk)
    form = ApplicationForm()
    if request.method == "POST":
        ip = client_ip(request)
        verdict = application_attempt_check(ip=ip)
        if not verdict.allowed:
            response = render(request, "careers/rate_limited.html", {"job": job}, status=429)
            response["Retry-After"] = str(verdict.retry_after)
            return response
        form = ApplicationForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                application_submit(job=job, **form.cleaned_data)
            except ApplicationDuplicate as error:
                form.add_error(None, error)
            else:
                application_accepted_register(ip=ip)
                applied = request.session.get(APPLIED_SESSION_KEY, [])
                request.session[APPLIED_SESSION_KEY] = [*applied[-19:], job.pk]
                return redirect("careers:job-applied", pk=job.pk)
    return render(request, "careers/job_apply.html", {"job": job, "form": form})


def job_applied(request, pk: int):
    job = get_object_or_404(selectors.jobs_open(), pk=pk)
    if job.pk not in request.session.get(APPLIED_SESSION_KEY, []):
        return redirect("careers:job-detail", pk=job.pk)
    return render(request, "careers/job_applied.html", {"job": job})


@require_GET  # each download is audited; nothing else to ask of this URL
def application_cv(request, pk: int):
    """A CV, to this organization's staff who may view applications; 404 to anyone else.

    404 rather than 403 or a sign-in page: nobody else learns whether the application exists.
    """
    user = request.user
    if not (user.is_active and user.is_staff and user.has_perm("careers.view_application")):
        raise Http404("No such file.")
    application = get_object_or_404(selectors.applications_with_cv_file(), pk=pk)
    audit_record(action=Actions.CV_DOWNLOADED, request=request,
                 object_repr=f"application {application.pk}: {application.name}")
    extension = PurePosixPath(application.cv_file.name).suffix
    return tenant_file_response(name=application.cv_file.name,
                                download_name=f"cv-application-{application.pk}{extension}")
