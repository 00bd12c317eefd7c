from django.contrib import admin

from chat.models import Conversation, CuratedAnswer, Feedback, GapFix, Message, ModelPrice, QueryLog, ResponseCache
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
    list_filter = ["channel", "status", "is_bot_active"]
    search_fields = ["title", "bot__name", "tenant__name"]
    readonly_fields = ["tenant", "bot", "channel", "visitor_id", "message_count", "title", "created_at", "updated_at"]
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
