from django.contrib import admin

from kaiu.platform.models import RateCounter


class SystemRowAdmin(admin.ModelAdmin):
    """Rows KAIU writes and keeps itself (counters, caches, logs, job records): staff may look
    at them, never add or edit one by hand, since a made-up row would be served, counted or
    trusted as if KAIU had written it. Deleting is refused too, unless `deletable` says it is
    harmless (a cache entry is computed again, a counter's block lifts)."""

    deletable = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self.deletable and super().has_delete_permission(request, obj)


@admin.register(RateCounter)
class RateCounterAdmin(SystemRowAdmin):
    list_display = ["key", "window_start", "count"]
    deletable = True  # lifts a block early
