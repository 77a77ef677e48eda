"""The organization's staff admin for jobs, applications and interview feedback."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserChangeForm
from django.db.models import Count
from django.http import HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils import timezone
from django.utils.formats import date_format

from audit.admin import AuditedModelAdmin
from audit.services import Actions, audit_record
from careers import exports, notifications, quotas, services
from careers.models import (Application, ApplicationStatusChange, InterviewFeedback, Job,
                            NotificationPreference)
from tenancy.context import current_tenant


class JobAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        opening = cleaned.get("status") == Job.Status.OPEN and self.initial.get("status") != Job.Status.OPEN
        if opening:  # the plan's open-job quota, as the service checks it
            quotas.open_jobs_quota_check(job=self.instance)
        return cleaned


@admin.register(Job)
class JobAdmin(AuditedModelAdmin):
    form = JobAdminForm
    list_display = ["title", "department", "location", "employment_type", "status", "published",
                    "application_count"]
    list_filter = ["status", "employment_type", "department", "location"]
    search_fields = ["title", "department", "location"]
    date_hierarchy = "published_at"
    radio_fields = {"status": admin.HORIZONTAL}  # the choice in plain sight, not in a closed list
    fields = ["title", "department", "location", "employment_type", "status", "published_at",
              "description"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(application_count=Count("applications"))

    def get_changeform_initial_data(self, request):
        # A new job is meant to be seen: Open unless staff choose otherwise (and the form says so).
        return {"status": Job.Status.OPEN, **super().get_changeform_initial_data(request)}

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "status":
            kwargs["help_text"] = ("Only open jobs are on the careers page and take applications. "
                                   "A draft is not published; a closed job is taken off the page.")
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    @admin.display(description="Published", ordering="published_at")
    def published(self, job):
        return date_format(timezone.localtime(job.published_at), "M j, Y")

    @admin.display(description="Applications", ordering="application_count")
    def application_count(self, job):
        return job.application_count


class StatusChangeInline(admin.TabularInline):
    model = ApplicationStatusChange
    extra = 0
    can_delete = False
    fields = readonly_fields = ["changed_at", "from_status", "to_status", "changed_by"]
    verbose_name_plural = "status history"

    def has_add_permission(self, request, obj=None):
        return False


class InterviewerDefaultsToAuthor:
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "interviewer":
            kwargs.setdefault("initial", request.user.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class FeedbackInline(InterviewerDefaultsToAuthor, admin.StackedInline):
    model = InterviewFeedback
    extra = 0
    fields = ["interviewer", "score", "notes"]


def export_as_csv(modeladmin, request, queryset):
    body = exports.applications_csv(applications=queryset)
    ids = sorted(queryset.values_list("pk", flat=True))
    audit_record(action=Actions.APPLICATIONS_EXPORTED, request=request,
                 object_repr=f"{len(ids)} application(s): ids {', '.join(map(str, ids))}")
    slug = getattr(current_tenant(), "slug", "applications")
    filename = f"{slug}-applications-{timezone.now():%Y%m%d-%H%M%S}.csv"
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


export_as_csv.short_description = "Export selected applications as CSV"
export_as_csv.allowed_permissions = ("view",)


def notify_interviewer(modeladmin, request, queryset):
    result = notifications.interviewers_notify(applications=queryset)
    audit_record(action=Actions.INTERVIEWERS_NOTIFIED, request=request,
                 object_repr=f"{result.sent} e-mail(s) sent")
    if result.sent:
        modeladmin.message_user(request, f"E-mailed the interviewer of {result.sent} application(s).")
    if result.without_interviewer:
        modeladmin.message_user(
            request, f"{result.without_interviewer} application(s) have no interviewer with an "
            "e-mail address: assign one first.", messages.WARNING)
    if result.failed:
        modeladmin.message_user(request, f"{result.failed} e-mail(s) could not be sent; "
                                "the error is in the log.", messages.ERROR)


notify_interviewer.short_description = "E-mail the interviewer about the selected applications"
notify_interviewer.allowed_permissions = ("change",)


def status_move_action(status: Application.Status):
    def action(modeladmin, request, queryset):
        moved = services.applications_status_move(applications=queryset, status=status,
                                                  changed_by=request.user)
        audit_record(action=Actions.APPLICATION_STATUS_MOVED, request=request,
                     object_repr=f"{moved} application(s) to {status.value}")
        modeladmin.message_user(request, f"Moved {moved} application(s) to {status.label}.")

    action.__name__ = f"move_to_{status.value}"
    action.short_description = f"Move selected applications to: {status.label}"
    action.allowed_permissions = ("change",)
    return action


@admin.register(Application)
class ApplicationAdmin(AuditedModelAdmin):
    list_display = ["name", "email", "job", "status", "interviewer", "submitted"]
    list_filter = ["status", "job"]
    list_select_related = ["job", "interviewer"]
    search_fields = ["name", "email", "job__title"]
    date_hierarchy = "submitted_at"
    fields = ["job", "name", "email", "phone", "cv_url", "cv_file_link", "cover_letter",
              "submitted_at", "status", "interviewer"]
    readonly_fields = ["job", "name", "email", "phone", "cv_url", "cv_file_link", "cover_letter",
                       "submitted_at"]
    inlines = [FeedbackInline, StatusChangeInline]
    actions = [export_as_csv, notify_interviewer,
               *(status_move_action(status) for status in Application.Status)]

    @admin.display(description="Submitted", ordering="submitted_at")
    def submitted(self, application):
        return date_format(timezone.localtime(application.submitted_at), "M j, Y")

    def has_add_permission(self, request):
        return False  # applications come from candidates through the portal

    @admin.display(description="CV file")
    def cv_file_link(self, application):
        if not application.cv_file:
            return "—"
        # The staff-only view, never a storage URL: CVs are private.
        return format_html('<a href="{}">Download the CV</a>',
                           reverse("careers:application-cv", args=[application.pk]))

    def save_model(self, request, obj, form, change):
        # The status goes through the service so that every change is in the history.
        new_status, obj.status = obj.status, form.initial.get("status", obj.status)
        super().save_model(request, obj, form, change)
        services.application_status_move(application=obj, status=new_status, changed_by=request.user)


@admin.register(InterviewFeedback)
class InterviewFeedbackAdmin(InterviewerDefaultsToAuthor, AuditedModelAdmin):
    list_display = ["application", "interviewer", "score", "created_at"]
    list_filter = ["score", "interviewer"]
    list_select_related = ["application__job", "interviewer"]
    search_fields = ["application__name", "application__email", "notes"]
    autocomplete_fields = ["application"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(AuditedModelAdmin):
    """Staff opt in to new-application e-mails; only an admin of users sets them for others."""

    list_display = ["user", "new_applications"]

    def _manages_users(self, request) -> bool:
        return request.user.has_perm("auth.change_user")

    def get_queryset(self, request):
        preferences = super().get_queryset(request)
        return preferences if self._manages_users(request) else preferences.filter(user=request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not self._manages_users(request):
            kwargs["queryset"] = get_user_model().objects.filter(pk=request.user.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class StaffQuotaUserChangeForm(UserChangeForm):
    def clean(self):
        cleaned = super().clean()
        becomes_staff = cleaned.get("is_staff") and cleaned.get("is_active") and not (
            self.initial.get("is_staff") and self.initial.get("is_active"))
        if becomes_staff:  # the plan's staff-user quota
            quotas.staff_users_quota_check(user=self.instance)
        return cleaned


