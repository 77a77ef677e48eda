from django.conf import settings
from django.db import models


class Widget(models.Model):
    name = models.CharField(max_length=100)
    created = models.DateTimeField(auto_now_add=True)
    colour = models.CharField(max_length=20, null=True)
    size = models.IntegerField(null=True)
    weight = models.IntegerField(null=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)

    class Meta:
        indexes = [models.Index(fields=["name"], name="fleetapp_widget_name_idx")]


class Part(models.Model):
    widget = models.ForeignKey(Widget, on_delete=models.CASCADE)
    label = models.CharField(max_length=50)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["widget", "label"], name="fleetapp_part_unique")]
