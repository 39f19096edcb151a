"""Studies in the admin: read what was stored (creating and running go through the services)."""

from __future__ import annotations

from django.contrib import admin

from .models import Study, StudyFile, StudySample


class StudySampleInline(admin.TabularInline):
    model = StudySample
    fields = ("sample", "group", "input_filename", "status", "error_message", "n_compounds")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "owner", "status", "created_at", "finished_at")
    list_filter = ("status",)
    search_fields = ("name", "owner__username")
    readonly_fields = ("folder", "design", "groups", "parameters", "summary", "warnings")
    exclude = ("figures",)
    inlines = [StudySampleInline]


@admin.register(StudyFile)
class StudyFileAdmin(admin.ModelAdmin):
    list_display = ("id", "study", "name", "size")
    exclude = ("content",)
    readonly_fields = ("study", "name", "content_type", "size", "sha256")
