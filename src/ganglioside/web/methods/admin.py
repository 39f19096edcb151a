"""Methods and remembered column mappings in the admin (to look at; users edit their own)."""

from django.contrib import admin

from .models import ColumnMapping, Method


@admin.register(Method)
class MethodAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "updated_at")
    list_filter = ("owner",)
    search_fields = ("name", "owner__username")
    readonly_fields = ("created_at", "updated_at")


@admin.register(ColumnMapping)
class ColumnMappingAdmin(admin.ModelAdmin):
    list_display = ("owner", "updated_at", "__str__")
    list_filter = ("owner",)
    readonly_fields = ("signature", "header", "updated_at")
