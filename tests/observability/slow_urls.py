"""Test only: a tenant page whose query takes as long as asked (``pg_sleep``)."""

from django.db import connection
from django.http import HttpResponse
from django.urls import path


def sleep(request):
    seconds = float(request.GET["seconds"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(%s)", [seconds])
    return HttpResponse(f"slept {seconds}")


urlpatterns = [path("sleep/", sleep, name="sleep")]
