from django.contrib import admin

from chat.models import Conversation, CuratedAnswer, Feedback, Message, QueryLog, ResponseCache


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
class MessageAdmin(admin.ModelAdmin):
    list_display = ["__str__", "role", "origin", "answered", "top_score", "created_at"]
    list_filter = ["role", "origin", "answered"]
    search_fields = ["content"]
    readonly_fields = ["conversation", "role", "content", "sources", "model", "tokens_in", "tokens_out", "timings",
                       "top_score", "answered", "origin", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["message", "rating", "comment", "created_at"]
    list_filter = ["rating"]
    readonly_fields = ["message", "rating", "comment", "created_at", "updated_at"]

    def has_add_permission(self, request):
        return False


@admin.register(QueryLog)
class QueryLogAdmin(admin.ModelAdmin):
    list_display = ["question", "bot", "channel", "origin", "answered", "top_score", "total_ms", "created_at"]
    list_filter = ["channel", "origin", "answered"]
    search_fields = ["question"]
    list_select_related = ["bot"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the analytics record stays as it was written


@admin.register(CuratedAnswer)
class CuratedAnswerAdmin(admin.ModelAdmin):
    list_display = ["question", "bot", "is_enabled", "times_served", "updated_at"]
    list_filter = ["is_enabled"]
    search_fields = ["question", "answer"]
    exclude = ["question_vector"]
    readonly_fields = ["tenant", "bot", "created_by", "source_message", "times_served"]

    def has_add_permission(self, request):
        return False  # made from the dashboard, which embeds the question


@admin.register(ResponseCache)
class ResponseCacheAdmin(admin.ModelAdmin):
    list_display = ["question", "bot", "knowledge_version", "hits", "expires_at"]
    readonly_fields = ["bot", "knowledge_version", "prompt_key", "question_hash", "question", "answer", "sources",
                       "top_score", "hits", "created_at", "expires_at"]

    def has_add_permission(self, request):
        return False
