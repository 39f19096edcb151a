"""Admin: staff see every analysis, read its results, re-run or delete it."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from .models import Analysis, Artifact, Compound, FragmentEvent, RTModel
from .services import deletion, submission


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


_RT_MODEL_SHOWN = ("model_id", "level", "n_anchors", "n_rows", "slope", "r2", "q2", "residual_sd")
_ARTIFACT_SHOWN = ("kind", "filename", "size", "created_at")


class RTModelInline(_ReadOnlyInline):
    model = RTModel
    fields = _RT_MODEL_SHOWN
    readonly_fields = _RT_MODEL_SHOWN


class ArtifactInline(_ReadOnlyInline):
    model = Artifact
    fields = _ARTIFACT_SHOWN
    readonly_fields = _ARTIFACT_SHOWN


@admin.register(Analysis)
class AnalysisAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "name",
        "owner",
        "status",
        "n_compounds",
        "counts",
        "created_at",
        "duration_seconds",
        "compounds_link",
    ]
    list_filter = ["status", "owner"]
    search_fields = ["name", "input_filename", "owner__username", "owner__email"]
    list_select_related = ["owner"]
    date_hierarchy = "created_at"
    actions = ["rerun_selected", "delete_selected_analyses"]
    inlines = [RTModelInline, ArtifactInline]
    fieldsets = [
        (None, {"fields": ["name", "owner", "status", "compounds_link", "counts"]}),
        ("Progress", {"fields": ["progress_step", "progress_fraction", "progress_message"]}),
        # The stored path, not a link: uploads are private and MEDIA_ROOT is never served.
        ("Input", {"fields": ["input_path", "input_filename", "input_size", "input_sha256"]}),
        (
            "Run",
            {
                "fields": [
                    "parameters_pretty",
                    "software_version",
                    "created_at",
                    "started_at",
                    "finished_at",
                    "duration_seconds",
                    "heartbeat_at",
                    "attempts",
                    "worker",
                    "task_id",
                ]
            },
        ),
        ("Result", {"fields": ["summary_pretty", "warnings", "error_message", "error_details"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Analysis._meta.concrete_fields] + [
            "compounds_link",
            "counts",
            "parameters_pretty",
            "summary_pretty",
            "input_path",
        ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Analyses come from uploads (pages, API); the admin reads and manages them.
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # replaced by the service-backed action
        return actions

    @admin.display(description="compounds")
    def compounds_link(self, obj: Analysis) -> str:
        url = reverse("admin:analyses_compound_changelist") + f"?analysis__id__exact={obj.pk}"
        return format_html('<a href="{}">{} rows</a>', url, obj.n_compounds)

    @admin.display(description="stored input")
    def input_path(self, obj: Analysis) -> str:
        return obj.input_file.name

    @admin.display(description="rows by status")
    def counts(self, obj: Analysis) -> str:
        return ", ".join(f"{k}: {v}" for k, v in sorted(obj.status_counts.items())) or "–"

    @admin.display(description="parameters")
    def parameters_pretty(self, obj: Analysis) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.parameters, indent=2))

    @admin.display(description="summary")
    def summary_pretty(self, obj: Analysis) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.summary, indent=2))

    @admin.action(description="Re-run the selected analyses (same file and parameters)")
    def rerun_selected(self, request: HttpRequest, queryset: QuerySet[Analysis]) -> None:
        created = [submission.analysis_rerun(analysis=a) for a in queryset.select_related("owner")]
        self.message_user(
            request,
            f"Queued {len(created)} new analyses: {', '.join(f'#{a.pk}' for a in created)}",
            messages.SUCCESS,
        )

    @admin.action(description="Delete the selected analyses with their results and files")
    def delete_selected_analyses(self, request: HttpRequest, queryset: QuerySet[Analysis]) -> None:
        count = 0
        for analysis in queryset:
            deletion.analysis_delete(analysis=analysis)
            count += 1
        self.message_user(request, f"Deleted {count} analyses.", messages.SUCCESS)


class AnalysisFilter(admin.SimpleListFilter):
    """Compounds of one analysis (the 30 newest are offered; any id works in the URL)."""

    title = "analysis"
    parameter_name = "analysis__id__exact"

    def lookups(self, request, model_admin):
        recent = Analysis.objects.order_by("-created_at").only("id", "name")[:30]
        return [(str(a.pk), f"#{a.pk} {a.name}") for a in recent]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(analysis_id=self.value())
        return queryset


@admin.register(Compound)
class CompoundAdmin(admin.ModelAdmin):
    list_display = [
        "row",
        "name",
        "analysis_id",
        "status",
        "category",
        "group_key",
        "rt",
        "log_p",
        "is_anchor",
        "predicted_rt",
        "z",
    ]
    list_filter = [AnalysisFilter, "status", "category", "is_anchor"]
    search_fields = ["name", "group_key"]
    list_per_page = 100
    ordering = ["analysis", "row"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Compound._meta.concrete_fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(FragmentEvent)
class FragmentEventAdmin(admin.ModelAdmin):
    list_display = [
        "analysis_id",
        "fragment_row",
        "fragment_name",
        "parent_row",
        "parent_name",
        "delta_rt",
        "lost",
    ]
    list_filter = [AnalysisFilter]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in FragmentEvent._meta.concrete_fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
