from django.contrib import admin

from kaiu.platform.models import RateCounter


@admin.register(RateCounter)
class RateCounterAdmin(admin.ModelAdmin):
    list_display = ["key", "window_start", "count"]
    readonly_fields = ["key", "window_start", "count"]

    def has_add_permission(self, request):
        return False
