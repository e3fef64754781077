"""Permissions: Django model permissions, with reading requiring ``view``.

Actions that are not plain CRUD name the permission they need with ``required_perms`` on the
view (``{action name: ["app.codename", ...]}``).
"""

from rest_framework.permissions import DjangoModelPermissions


class ModelPermissions(DjangoModelPermissions):
    """Anonymous → 401 (via the authentication challenge); lacking a permission → 403."""

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        required = getattr(view, "required_perms", {}).get(getattr(view, "action", None))
        if required is not None:
            return request.user.has_perms(required)
        return super().has_permission(request, view)
