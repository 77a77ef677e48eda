from django.contrib import admin

from careers.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["title", "department", "location", "status", "published_at"]
    list_filter = ["status", "department"]
    search_fields = ["title"]
