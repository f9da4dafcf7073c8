"""Author profiles in the admin: each editor keeps their own public profile (a superuser may
edit anyone's). Saving goes through `readers.services`, which decides who may and refreshes
the pages that show the profile."""

from django.contrib import admin
from django.db import models

from core import images

from . import services
from .models import AuthorProfile


@admin.register(AuthorProfile)
class AuthorProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "modified_at"]
    search_fields = ["name", "slug"]
    readonly_fields = ["modified_at"]
    # The portrait is checked with our messages (core.images) before Django's own check.
    formfield_overrides = {models.ImageField: {"form_class": images.CheckedImageFormField}}

    def get_fields(self, request, obj=None):
        fields = ["name", "slug", "bio", "portrait"]
        if request.user.is_superuser:
            # Only a superuser chooses whose profile it is; anyone else's is their own.
            fields.insert(0, "user")
        if obj is not None:
            fields.append("modified_at")
        return fields

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and "user" not in readonly:
            readonly.append("user")  # a profile stays with its person
        return readonly

    def get_queryset(self, request):
        profiles = super().get_queryset(request).select_related("user")
        if request.user.is_superuser:
            return profiles
        return profiles.filter(user=request.user)

    def has_add_permission(self, request):
        if not super().has_add_permission(request):
            return False
        # One profile a person: an editor who has one edits it instead.
        return (
            request.user.is_superuser
            or not AuthorProfile.objects.filter(user=request.user).exists()
        )

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if obj is None:
            return allowed
        return allowed and services.author_profile_may_edit(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if obj is None:
            return allowed
        return allowed and services.author_profile_may_edit(request.user, obj)

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        if obj is None:
            return allowed
        return allowed and services.author_profile_may_edit(request.user, obj)

    def save_model(self, request, obj, form, change):
        if not change and not request.user.is_superuser:
            obj.user = request.user
        services.author_profile_save(by=request.user, profile=obj)

    def delete_model(self, request, obj):
        services.author_profile_delete(by=request.user, profile=obj)

    def delete_queryset(self, request, queryset):
        for profile in queryset:
            services.author_profile_delete(by=request.user, profile=profile)
