from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from kaiu.accounts.models import (
    ApiKey,
    Invitation,
    Membership,
    Plan,
    QuotaUsage,
    Tenant,
    TenantSettings,
    User,
)
from kaiu.platform.admin import SystemRowAdmin


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "tenant"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["full_name"]}),
        ("Platform staff", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    inlines = [MembershipInline]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "max_bots", "max_documents_per_bot", "max_storage_mb",
                    "max_queries_per_month", "allow_advanced_rag", "price", "is_default"]
    search_fields = ["name", "code"]


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "plan", "currency", "language", "time_zone", "created_at"]
    list_filter = ["plan", "currency", "language"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "tenant", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "tenant__name"]
    autocomplete_fields = ["user", "tenant"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "tenant", "role", "created_at", "sent_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email", "tenant__name"]
    exclude = ["token_hash"]
    readonly_fields = ["tenant", "email", "role", "invited_by", "sent_at", "expires_at", "accepted_at"]

    def has_add_permission(self, request):
        return False  # invitations carry a mailed token: tenants create them in the dashboard


@admin.register(TenantSettings)
class TenantSettingsAdmin(admin.ModelAdmin):
    list_display = ["tenant", "llm_provider", "base_url", "chat_model", "masked_api_key", "updated_at"]
    list_filter = ["llm_provider"]
    search_fields = ["tenant__name"]
    # The key is never shown or edited here, only its masked form: tenants manage their own.
    exclude = ["api_key"]
    readonly_fields = ["masked_api_key"]

    @admin.display(description="API key")
    def masked_api_key(self, obj):
        return obj.masked_api_key or "—"


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "tenant", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "tenant__name"]
    exclude = ["key_hash"]
    readonly_fields = ["tenant", "prefix", "created_by", "last_used_at"]

    def has_add_permission(self, request):
        return False  # a key is shown once to the tenant who creates it, in the dashboard


@admin.register(QuotaUsage)
class QuotaUsageAdmin(SystemRowAdmin):
    list_display = ["tenant", "meter", "period_start", "used"]
    list_filter = ["meter"]
    # Not deletable: that would hand the tenant the month's quota again (change the plan instead).
