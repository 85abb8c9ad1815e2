"""The routing stamp: one row that triggers change on every write to what inbox routing reads.

``inbox.routingcache`` keeps each practice's rules, pools, teams, logins, on-call and absence rows per process
and checks this one value before each use; triggers (not the services) change it, so every write counts —
setup screens, the demo, the admin, a test's ORM call, raw SQL. The new value is random, never a counter: a
transaction rolled back leaves the old value, and a later change cannot come back to a value already seen.
(The same scheme as ``scheduling.configcache``, with its own row so neither invalidates the other.)
"""

from django.db import migrations, models

from clinicdesk.lib import stamps

TABLES = [
    "inbox_pool",
    "inbox_pool_members",
    "inbox_routingrule",
    "inbox_absence",
    "inbox_oncall",
    "staff_practitioner",
    "staff_user",
    "practice_organization",
]


def forwards(apps, schema_editor):
    stamps.install_triggers(schema_editor, stamp_table="inbox_routingstamp", prefix="routingstamp", tables=TABLES)


def backwards(apps, schema_editor):
    stamps.remove_triggers(schema_editor, stamp_table="inbox_routingstamp", prefix="routingstamp", tables=TABLES)


class Migration(migrations.Migration):
    dependencies = [("inbox", "0002_attachments_phone_messages"), ("staff", "0001_initial"),
                    ("practice", "0001_initial")]
    operations = [
        migrations.CreateModel(
            name="RoutingStamp",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("value", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
