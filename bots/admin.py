from django.contrib import admin

from bots.models import Bot, BotPrompt, Template, WidgetConfig


class BotPromptInline(admin.TabularInline):
    model = BotPrompt
    extra = 0
    fields = ["version", "name", "content", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Bot)
class BotAdmin(admin.ModelAdmin):
    list_display = ["name", "tenant", "public_id", "status", "language", "knowledge_version", "updated_at"]
    list_filter = ["status", "language", "template"]
    search_fields = ["name", "public_id", "tenant__name"]
    readonly_fields = ["public_id", "knowledge_version", "created_at", "updated_at"]
    raw_id_fields = ["tenant", "active_prompt"]
    inlines = [BotPromptInline]


@admin.register(BotPrompt)
class BotPromptAdmin(admin.ModelAdmin):
    list_display = ["bot", "version", "name", "created_at"]
    search_fields = ["bot__name", "name", "content"]
    raw_id_fields = ["bot"]


@admin.register(WidgetConfig)
class WidgetConfigAdmin(admin.ModelAdmin):
    list_display = ["bot", "header_text", "primary_color", "position", "auto_open"]
    list_filter = ["position", "auto_open"]
    search_fields = ["bot__name", "header_text"]


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "category", "is_active", "position"]
    list_filter = ["category", "is_active"]
    search_fields = ["name", "slug", "description"]
