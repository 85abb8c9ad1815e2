"""The configuration stamp: one row that triggers change on every write to the scheduling configuration.

``scheduling.configcache`` keeps templates, types and resources per process and checks this one value
before each use; triggers (not the services) change it, so every write counts — setup screens, the demo's
bulk load, the admin, a test's ORM call, raw SQL. The new value is random, never a counter: a transaction
rolled back leaves the old value, and a later change cannot come back to a value already seen.
"""

from django.db import migrations, models

from clinicdesk.lib import stamps

# Every table whose rows the cache holds. Organizations and locations carry the time zones.
TABLES = [
    "scheduling_resource",
    "scheduling_appointmenttype",
    "scheduling_typerequirement",
    "scheduling_typerequirement_pool",
    "scheduling_availabilityblock",
    "scheduling_availabilityblock_types",
    "scheduling_availabilityexception",
    "scheduling_availabilityexception_types",
    "practice_location",
    "practice_organization",
]


def forwards(apps, schema_editor):
    stamps.install_triggers(schema_editor, stamp_table="scheduling_configstamp", prefix="configstamp", tables=TABLES)


def backwards(apps, schema_editor):
    stamps.remove_triggers(schema_editor, stamp_table="scheduling_configstamp", prefix="configstamp", tables=TABLES)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0003_waitlist_series_feeds"), ("practice", "0001_initial")]
    operations = [
        migrations.CreateModel(
            name="ConfigStamp",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("value", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
