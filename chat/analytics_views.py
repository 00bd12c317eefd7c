"""Analytics in the dashboard: the figures of a tenant or of one bot over a range of days,
the knowledge gaps with "add an answer", the price table, the CSV exports, and the same
figures as JSON for an API key."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from bots.selectors import bot_find_for_tenant, bot_get_for_tenant, bot_list_for_tenant
from chat import analytics, exports, gaps, selectors
from chat.api import api_view
from chat.dashboard import HistoryFilterForm
from chat.models import ModelPrice
from chat.texts import ChatError
from documents.selectors import document_retrievals_for_range
from kaiu.charts import Series, bar_chart
from kaiu.http import openai_error
from kaiu.tenancy import can, tenant_view


class RangeForm(forms.Form):
    range = forms.ChoiceField(required=False, initial="30", choices=[("7", "Last 7 days"), ("30", "Last 30 days"),
                                                                    ("90", "Last 90 days"), ("custom", "Custom")])
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def period(self, tenant) -> analytics.Period:
        """The chosen days; From and To when both are given and no preset is; else 30 days."""
        data = self.cleaned_data if self.is_valid() else {}
        choice = data.get("range") or ""
        if data.get("since") and data.get("until") and choice in ("custom", ""):
            return analytics.period_for(tenant, since=data["since"], until=data["until"])
        return analytics.period_for(tenant, days=int(choice) if choice.isdigit() else 30)


def _range_data(request):
    """The range asked for, "Last 30 days" when none is (so the form shows what the page does)."""
    data = request.GET.copy()
    if not data.get("range") and not (data.get("since") and data.get("until")):
        data["range"] = "30"
    return data


def _period(request):
    form = RangeForm(_range_data(request))
    return form, form.period(request.tenant)


def _range_query(request) -> str:
    return urlencode({k: v for k, v in request.GET.items() if k in ("range", "since", "until") and v})


def _charts(figures: analytics.Figures) -> dict:
    days = figures.per_day
    labels = [d["day"].strftime("%b %-d") for d in days]
    hover = [d["day"].strftime("%a %-d %b %Y") for d in days]
    return {
        "questions": bar_chart(
            title="Questions per day", labels=labels, hover_labels=hover, x_label="Day", y_label="Questions",
            series=[Series("Answered", [d["answered"] for d in days]),
                    Series("Not answered", [d["questions"] - d["answered"] for d in days])]),
        "conversations": bar_chart(
            title="Conversations per day", labels=labels, hover_labels=hover, x_label="Day",
            y_label="Conversations", series=[Series("Conversations", [d["conversations"] for d in days])]),
    }


def _dashboard(request, bot=None):
    form, period = _period(request)
    show_costs = can(request.membership, "costs")
    figures = analytics.figures_for(request.tenant, period, bot=bot, costs=show_costs)
    sources = document_retrievals_for_range(request.tenant, period.since, period.until, bot=bot)
    return render(request, "analytics/dashboard.html", {
        "form": form, "figures": figures, "charts": _charts(figures), "sources": sources, "bot": bot,
        "bots": bot_list_for_tenant(request.tenant), "show_costs": show_costs, "range_query": _range_query(request),
    })


@tenant_view("analytics")
def analytics_tenant(request):
    return _dashboard(request)


@tenant_view("analytics")
def analytics_bot(request, public_id):
    return _dashboard(request, bot_get_for_tenant(request.tenant, public_id))


class GapFixForm(forms.Form):
    bot = forms.CharField(max_length=20)
    question = forms.CharField(max_length=500)
    answer = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}),
                             help_text="Questions like these get this answer from now on. Markdown works.")


@tenant_view("analytics")
def gap_list(request):
    form, period = _period(request)
    bot = bot_find_for_tenant(request.tenant, request.GET.get("bot", "")) if request.GET.get("bot") else None
    return render(request, "analytics/gaps.html", {
        "form": form, "period": period, "gaps": gaps.gap_list(request.tenant, period, bot=bot), "bot": bot,
        "range_query": _range_query(request)})


@tenant_view("analytics")
@require_POST
def gap_fix(request):
    form = GapFixForm(request.POST)
    back = reverse("chat:gaps") + "?" + urlencode(
        {k: v for k, v in request.POST.items() if k in ("range", "since", "until") and v})
    if not form.is_valid():
        messages.error(request, "Write the question and its answer to fix this gap.")
        return redirect(back)
    bot = bot_get_for_tenant(request.tenant, form.cleaned_data["bot"])
    try:
        gaps.gap_fix(bot=bot, keys=request.POST.getlist("key"), question=form.cleaned_data["question"],
                     answer=form.cleaned_data["answer"], user=request.user)
    except ChatError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Answered. {bot.name} now gives your answer to questions like "
                                  f"“{form.cleaned_data['question'][:80]}”.")
    return redirect(back)


class PriceForm(forms.Form):
    model = forms.CharField(max_length=120)
    input_per_million = forms.DecimalField(min_value=0, max_digits=12, decimal_places=4, label="Input per 1M tokens")
    output_per_million = forms.DecimalField(min_value=0, max_digits=12, decimal_places=4,
                                            label="Output per 1M tokens")
    currency = forms.RegexField(regex=r"^[A-Za-z]{3}$", initial="USD", max_length=3)


@tenant_view("costs")
def price_list(request):
    form = PriceForm(request.POST or None, initial={"model": request.GET.get("model", "")[:120]})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ModelPrice.objects.update_or_create(tenant=request.tenant, model=data["model"].strip(), defaults={
            "input_per_million": data["input_per_million"], "output_per_million": data["output_per_million"],
            "currency": data["currency"].upper()})
        messages.success(request, f"Price of {data['model']} saved.")
        return redirect("chat:analytics-prices")
    period = analytics.period_for(request.tenant, days=90)
    seen = [m["model"] for m in analytics.figures_for(request.tenant, period).models]
    return render(request, "analytics/prices.html", {"form": form,
                                                     "prices": analytics.price_table(request.tenant, seen)})


@tenant_view("analytics")
def questions_export(request):
    _, period = _period(request)
    bot = bot_find_for_tenant(request.tenant, request.GET.get("bot", "")) if request.GET.get("bot") else None
    return exports.csv_response(f"questions-{period.since}-{period.until}.csv", exports.QUESTION_COLUMNS,
                                exports.question_rows(request.tenant, period, bot=bot))


@tenant_view("conversations")
def conversations_export(request):
    form = HistoryFilterForm(request.GET or None, tenant=request.tenant)
    filters = form.cleaned_data if form.is_valid() else {}
    conversations = selectors.conversation_list_for_tenant(request.tenant, **{k: v for k, v in filters.items() if v})
    if form.errors:
        conversations = conversations.none()
    return exports.csv_response("conversations.csv", exports.CONVERSATION_COLUMNS,
                                exports.conversation_rows(conversations, request.tenant.time_zone or "UTC"))


def figures_json(figures: analytics.Figures) -> dict:
    def plain(value):
        if isinstance(value, Decimal):
            return float(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return value

    data = {k: getattr(figures, k) for k in ("questions", "answered", "unanswered", "errors", "conversations",
                                             "cache_hits", "curated_hits", "low_confidence", "latency", "per_day",
                                             "models", "channels", "error_kinds", "handovers", "costs")}
    feedback = {k: v for k, v in figures.feedback.items() if k != "latest_negative"}
    feedback["latest_negative"] = [{"comment": f["comment"], "at": f["created_at"],
                                    "conversation": str(f["message__conversation_id"])}
                                   for f in figures.feedback.get("latest_negative", [])]
    return plain({"since": figures.period.since, "until": figures.period.until, "time_zone": figures.period.zone,
                  **data, "feedback": feedback, "answered_rate": figures.answered_rate,
                  "cache_rate": figures.cache_rate, "curated_rate": figures.curated_rate})


@api_view("GET")
def api_analytics(request):
    """GET /api/v1/analytics?range=7|30|90 or ?since=YYYY-MM-DD&until=YYYY-MM-DD, &bot=<public id>:
    the dashboard's figures for the key's tenant, costs included."""
    tenant = request.api_key.tenant
    form = RangeForm(_range_data(request))
    if form.is_bound and not form.is_valid():
        return openai_error(400, "Use range=7, 30 or 90, or since and until as YYYY-MM-DD.", code="invalid_range")
    bot = None
    if request.GET.get("bot"):
        bot = bot_find_for_tenant(tenant, request.GET["bot"])
        if bot is None:
            return openai_error(404, f"No bot `{request.GET['bot']}`.", code="bot_not_found", param="bot")
    figures = analytics.figures_for(tenant, form.period(tenant), bot=bot)
    return JsonResponse({"object": "analytics", "bot": bot.public_id if bot else None, **figures_json(figures)})
