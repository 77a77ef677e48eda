"""Test only: a tenant page that writes a log line of its own."""

import logging

from django.http import HttpResponse
from django.urls import path


def say(request):
    logging.getLogger("careers").info("hello from a view")
    return HttpResponse("said")


urlpatterns = [path("say/", say)]
