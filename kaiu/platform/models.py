from django.db import models


class RateCounter(models.Model):
    """Requests counted per key and window with one atomic upsert, so a limit holds across
    every gunicorn worker and machine (see kaiu.platform.limits)."""

    key = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="rate_counter_key")]
        indexes = [models.Index(fields=["window_start"], name="rate_counter_window")]

    def __str__(self):
        return f"{self.key} @ {self.window_start:%H:%M}: {self.count}"
