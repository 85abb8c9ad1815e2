"""The configuration stamp: one row that triggers change on every write to the scheduling configuration.

``scheduling.configcache`` keeps templates, types and resources per process and checks this one value
before each use; triggers (not the services) change it, so every write counts — setup screens, the demo's
bulk load, the admin, a test's ORM call, raw SQL. The new value is random, never a counter: a transaction
rolled back leaves the old value, and a later change cannot come back to a value already seen.
"""

from django.db import migrations, models

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
_SQLITE_BUMP = "UPDATE scheduling_configstamp SET value = random() WHERE id = 1"


def _sqlite(table: str) -> list[str]:
    return [f"CREATE TRIGGER configstamp_{table}_{op.lower()} AFTER {op} ON {table} BEGIN {_SQLITE_BUMP}; END"
            for op in ("INSERT", "UPDATE", "DELETE")]


POSTGRES_FUNCTION = (
    "CREATE OR REPLACE FUNCTION scheduling_configstamp_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE scheduling_configstamp SET value = (random() * 9.2e18 - 4.6e18)::bigint WHERE id = 1; "
    "RETURN NULL; END $$"
)


def _postgres(table: str) -> list[str]:
    return [f"CREATE TRIGGER configstamp_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION scheduling_configstamp_bump()"]


def forwards(apps, schema_editor):
    schema_editor.execute("INSERT INTO scheduling_configstamp (id, value) VALUES (1, 1)")
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION)
    for table in TABLES:
        for sql in {"sqlite": _sqlite, "postgresql": _postgres}.get(vendor, lambda _t: [])(table):
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            for op in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS configstamp_{table}_{op}")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS configstamp_bump ON {table}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS scheduling_configstamp_bump()")


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
