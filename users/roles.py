"""Group permissions for the two staff roles, used by the data migrations of each app.

Each app grants its own permissions, so the dependency direction users ← notifications ←
assessments holds for the role definitions too.
"""

from django.contrib.auth.management import create_permissions


def grant_permissions(apps, group_name: str, permissions: list[str]) -> None:
    """Give a group the named permissions ("app_label.codename"), creating the group if needed."""
    # Permissions are normally created after migrate; a data migration must create them itself.
    for app_config in apps.get_app_configs():
        # Migration states carry no models module; create_permissions skips apps without one.
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, _ = group_model.objects.get_or_create(name=group_name)
    for permission in permissions:
        app_label, codename = permission.split(".")
        group.permissions.add(
            permission_model.objects.get(content_type__app_label=app_label, codename=codename)
        )


def crud(app_label: str, model: str, actions: str = "view add change") -> list[str]:
    return [f"{app_label}.{action}_{model}" for action in actions.split()]
