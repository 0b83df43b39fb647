"""The group whose members sign off judicial suggestions (division heads, deputy presidents).

The court's administrator adds people to it in the back office (Groups); the permission is
`suggestions.sign_suggestion`.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "司法建议签发人"


def forwards(apps, schema_editor):
    config = apps.get_app_config("suggestions")
    config.models_module = True
    create_permissions(config, verbosity=0, apps=apps)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    perm = Permission.objects.get(content_type__app_label="suggestions", codename="sign_suggestion")
    group.permissions.add(perm)


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("suggestions", "0002_service_answer_and_effect_review"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
