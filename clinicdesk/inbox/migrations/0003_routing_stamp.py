"""The routing stamp: one row that triggers change on every write to what inbox routing reads.

``inbox.routingcache`` keeps each practice's rules, pools, teams, logins, on-call and absence rows per process
and checks this one value before each use; triggers (not the services) change it, so every write counts —
setup screens, the demo, the admin, a test's ORM call, raw SQL. The new value is random, never a counter: a
transaction rolled back leaves the old value, and a later change cannot come back to a value already seen.
(The same scheme as ``scheduling.configcache``, with its own row so neither invalidates the other.)
"""

from django.db import migrations, models

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
_SQLITE_BUMP = "UPDATE inbox_routingstamp SET value = random() WHERE id = 1"

POSTGRES_FUNCTION = (
    "CREATE OR REPLACE FUNCTION inbox_routingstamp_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE inbox_routingstamp SET value = (random() * 9.2e18 - 4.6e18)::bigint WHERE id = 1; "
    "RETURN NULL; END $$"
)


def _sqlite(table: str) -> list[str]:
    return [f"CREATE TRIGGER routingstamp_{table}_{op.lower()} AFTER {op} ON {table} BEGIN {_SQLITE_BUMP}; END"
            for op in ("INSERT", "UPDATE", "DELETE")]


def _postgres(table: str) -> list[str]:
    return [f"CREATE TRIGGER routingstamp_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION inbox_routingstamp_bump()"]


def forwards(apps, schema_editor):
    schema_editor.execute("INSERT INTO inbox_routingstamp (id, value) VALUES (1, 1)")
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
                schema_editor.execute(f"DROP TRIGGER IF EXISTS routingstamp_{table}_{op}")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS routingstamp_bump ON {table}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS inbox_routingstamp_bump()")


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
