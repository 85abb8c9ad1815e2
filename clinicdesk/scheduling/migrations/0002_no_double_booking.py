"""No resource is ever booked twice for overlapping time — enforced by the database.

PostgreSQL: an exclusion constraint over (resource, time range) for active reservations (btree_gist).
SQLite: triggers that refuse an overlapping active reservation. SQLite runs one writer at a time (our
connections BEGIN IMMEDIATE), so the trigger's check and the insert cannot interleave with another
booking: the same guarantee. Both raise an integrity error naming ``reservation_no_overlap``.
"""

from django.db import migrations

_OVERLAP = (
    "NEW.active AND EXISTS (SELECT 1 FROM scheduling_reservation r WHERE r.resource_id = NEW.resource_id "
    "AND r.active AND r.id IS NOT NEW.id AND r.start < NEW.\"end\" AND NEW.start < r.\"end\")"
)
SQLITE = [
    f"CREATE TRIGGER reservation_no_overlap_insert BEFORE INSERT ON scheduling_reservation WHEN {_OVERLAP} "
    "BEGIN SELECT RAISE(ABORT, 'reservation_no_overlap: that time was just taken'); END",
    "CREATE TRIGGER reservation_no_overlap_update BEFORE UPDATE OF resource_id, start, \"end\", active "
    f"ON scheduling_reservation WHEN {_OVERLAP} "
    "BEGIN SELECT RAISE(ABORT, 'reservation_no_overlap: that time was just taken'); END",
]
POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "ALTER TABLE scheduling_reservation ADD CONSTRAINT reservation_no_overlap EXCLUDE USING gist "
    "(resource_id WITH =, tstzrange(start, \"end\", '[)') WITH &&) WHERE (active)",
]


def forwards(apps, schema_editor):
    for sql in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS reservation_no_overlap_insert")
        schema_editor.execute("DROP TRIGGER IF EXISTS reservation_no_overlap_update")
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE scheduling_reservation DROP CONSTRAINT IF EXISTS reservation_no_overlap")


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
