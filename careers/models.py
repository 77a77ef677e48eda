import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from tenancy.storage import tenant_storage


class Job(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class EmploymentType(models.TextChoices):
        FULL_TIME = "full_time", "Full-time"
        PART_TIME = "part_time", "Part-time"
        CONTRACT = "contract", "Contract"
        TEMPORARY = "temporary", "Temporary"
        INTERNSHIP = "internship", "Internship"

    title = models.CharField(max_length=200)
    department = models.CharField(max_length=100, blank=True)
    location = models.CharField(max_length=100, blank=True)
    employment_type = models.CharField(
        max_length=20, choices=EmploymentType.choices, default=EmploymentType.FULL_TIME
    )
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["status", "-published_at"], name="careers_job_open_idx")]

    def __str__(self):
        return self.title


def cv_file_name(application, filename: str) -> str:
    """A generated name: the uploader's file name never reaches a path (only the extension the
    content check chose, see ``careers.uploads``)."""
    return f"cv/{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower()}"


class Application(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        SCREENING = "screening", "Screening"
        INTERVIEW = "interview", "Interview"
        OFFER = "offer", "Offer"
        HIRED = "hired", "Hired"
        REJECTED = "rejected", "Rejected"

    job = models.ForeignKey(Job, on_delete=models.PROTECT, related_name="applications")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    cover_letter = models.TextField()
    cv_url = models.URLField("CV link", max_length=500, blank=True)
    # Private: stored under the tenant's prefix, served only by careers.views.application_cv.
    cv_file = models.FileField("CV file", upload_to=cv_file_name, storage=tenant_storage,
                               max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", limit_choices_to={"is_staff": True, "is_active": True},
    )
    submitted_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            # One application per person and job; the service relies on it to refuse duplicates.
            models.UniqueConstraint("job", Lower("email"), name="careers_application_once_per_job"),
        ]

    def __str__(self):
        return f"{self.name} → {self.job}"


class ApplicationStatusChange(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Application.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Application.Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self):
        return f"{self.get_from_status_display() or '—'} → {self.get_to_status_display()}"


class InterviewFeedback(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="feedback")
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"is_staff": True},
    )
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)],
                                             help_text="1 (poor) to 5 (excellent)")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "interview feedback"
        constraints = [
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5),
                                   name="careers_feedback_score_1_to_5"),
        ]

    def __str__(self):
        return f"{self.interviewer}: {self.score}/5"


class NotificationPreference(models.Model):
    """A staff member's opt-in to e-mails about this organization's applications."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="careers_notifications")
    new_applications = models.BooleanField("E-mail me new applications", default=False)

    def __str__(self):
        return f"{self.user}: {'on' if self.new_applications else 'off'}"
