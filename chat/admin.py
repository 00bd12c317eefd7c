from django.contrib import admin

from chat.models import (
    AnalyticsDay,
    AnalyticsLatencyDay,
    AnalyticsRollup,
    Conversation,
    CuratedAnswer,
    Feedback,
    GapFix,
    Message,
    ModelPrice,
    Note,
    QueryLog,
    ResponseCache,
)
from chat.whatsapp.models import WhatsAppAccount, WhatsAppInbound, WhatsAppOutbound
from kaiu.platform.admin import SystemRowAdmin


class MessageInline(admin.TabularInline):
    model = Message
    fields = ["role", "content", "origin", "answered", "top_score", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "bot", "tenant", "channel", "status", "message_count", "updated_at"]
    list_filter = ["channel", "status", "is_bot_active", "handover_code"]
    search_fields = ["title", "bot__name", "tenant__name"]
    readonly_fields = ["tenant", "bot", "channel", "visitor_id", "message_count", "title", "customer", "assigned_to",
                       "waiting_since", "unanswered_streak", "created_at", "updated_at"]
    list_select_related = ["bot", "tenant"]
    inlines = [MessageInline]

    def has_add_permission(self, request):
        return False  # conversations start on a channel


@admin.register(Message)
class MessageAdmin(SystemRowAdmin):
    """What was said stays as it was said; a whole conversation may be deleted, not a line of it."""

    list_display = ["__str__", "role", "origin", "answered", "top_score", "created_at"]
    list_filter = ["role", "origin", "answered"]
    search_fields = ["content"]


@admin.register(Note)
class NoteAdmin(SystemRowAdmin):
    """An agent's internal note, as they wrote it (the inbox adds them)."""

    list_display = ["__str__", "author_name", "conversation", "created_at"]
    search_fields = ["text"]
    deletable = True  # a note written on the wrong conversation may go


@admin.register(Feedback)
class FeedbackAdmin(SystemRowAdmin):
    list_display = ["message", "rating", "comment", "created_at"]
    list_filter = ["rating"]
    deletable = True  # an abusive comment may go


@admin.register(QueryLog)
class QueryLogAdmin(SystemRowAdmin):
    """The analytics record stays as it was written."""

    list_display = ["question", "bot", "channel", "origin", "answered", "top_score", "total_ms", "created_at"]
    list_filter = ["channel", "origin", "answered"]
    search_fields = ["question"]
    list_select_related = ["bot"]


@admin.register(CuratedAnswer)
class CuratedAnswerAdmin(admin.ModelAdmin):
    list_display = ["question", "bot", "is_enabled", "times_served", "updated_at"]
    list_filter = ["is_enabled"]
    search_fields = ["question", "answer"]
    exclude = ["question_vector"]
    # The question is matched by its vector, which only the dashboard computes: not edited here.
    readonly_fields = ["tenant", "bot", "question", "created_by", "source_message", "times_served"]

    def has_add_permission(self, request):
        return False  # made from the dashboard, which embeds the question


@admin.register(ResponseCache)
class ResponseCacheAdmin(SystemRowAdmin):
    list_display = ["question", "bot", "knowledge_version", "hits", "expires_at"]
    deletable = True  # a wrong cached answer may go: the next visitor gets a fresh one


@admin.register(WhatsAppAccount)
class WhatsAppAccountAdmin(admin.ModelAdmin):
    list_display = ["__str__", "bot", "tenant", "phone_number_id", "is_enabled", "updated_at"]
    list_filter = ["is_enabled"]
    search_fields = ["phone_number_id", "display_phone", "bot__name", "tenant__name"]
    # The secrets are never shown or edited here, only masked: tenants manage their own.
    exclude = ["access_token", "app_secret", "verify_token"]
    readonly_fields = ["tenant", "bot", "masked_access_token", "masked_app_secret"]

    def has_add_permission(self, request):
        return False  # connected from the bot's WhatsApp page


@admin.register(WhatsAppInbound)
class WhatsAppInboundAdmin(SystemRowAdmin):
    list_display = ["wamid", "type", "wa_from", "state", "note", "created_at"]
    list_filter = ["type", "state"]
    search_fields = ["wamid", "wa_from"]


@admin.register(WhatsAppOutbound)
class WhatsAppOutboundAdmin(SystemRowAdmin):
    list_display = ["to", "kind", "part", "state", "attempts", "error", "wamid", "created_at"]
    list_filter = ["state", "kind"]
    search_fields = ["wamid", "to"]


@admin.register(ModelPrice)
class ModelPriceAdmin(SystemRowAdmin):
    """A business's own prices, edited on its analytics page (Prices)."""

    list_display = ["model", "tenant", "input_per_million", "output_per_million", "currency", "updated_at"]
    search_fields = ["model", "tenant__name"]
    list_select_related = ["tenant"]


@admin.register(GapFix)
class GapFixAdmin(SystemRowAdmin):
    list_display = ["key", "bot", "tenant", "fixed_at"]
    search_fields = ["key"]
    list_select_related = ["bot", "tenant"]
    deletable = True  # the gap's questions show on the gaps page again


@admin.register(AnalyticsDay)
class AnalyticsDayAdmin(SystemRowAdmin):
    """The daily rollup (chat.rollup), computed from QueryLog; `manage.py analytics_rollup` rebuilds it."""

    list_display = ["day", "tenant", "bot", "channel", "model", "questions", "answered", "failed"]
    list_filter = ["channel"]
    list_select_related = ["tenant", "bot"]


@admin.register(AnalyticsLatencyDay)
class AnalyticsLatencyDayAdmin(SystemRowAdmin):
    list_display = ["day", "tenant", "bot"]
    list_select_related = ["tenant", "bot"]


@admin.register(AnalyticsRollup)
class AnalyticsRollupAdmin(SystemRowAdmin):
    list_display = ["tenant", "time_zone", "rolled_until", "built_at"]
    list_select_related = ["tenant"]
    deletable = True  # the business's pages read raw rows until the next hourly run rebuilds its days
