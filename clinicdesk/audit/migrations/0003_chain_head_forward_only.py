"""A chain head only moves forward.

Without this, removing the newest events (possible on SQLite, where DELETE stays allowed for Django's test
flush) and rewinding the head to match would go unnoticed. Raising ``seq`` is the only change allowed.
"""

from django.db import migrations

SQLITE = [
    "CREATE TRIGGER audit_chainhead_forward_only BEFORE UPDATE ON audit_chainhead "
    "WHEN NEW.seq <= OLD.seq OR NEW.chain != OLD.chain "
    "BEGIN SELECT RAISE(ABORT, 'audit chain heads only move forward'); END",
]
POSTGRES = [
    "CREATE OR REPLACE FUNCTION audit_chainhead_forward_only() RETURNS trigger AS $$ "
    "BEGIN IF NEW.seq <= OLD.seq OR NEW.chain <> OLD.chain THEN "
    "RAISE EXCEPTION 'audit chain heads only move forward'; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_chainhead_forward_only BEFORE UPDATE ON audit_chainhead "
    "FOR EACH ROW EXECUTE FUNCTION audit_chainhead_forward_only()",
]


def forwards(apps, schema_editor):
    for sql in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_chainhead_forward_only")
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_chainhead_forward_only ON audit_chainhead")
        schema_editor.execute("DROP FUNCTION IF EXISTS audit_chainhead_forward_only()")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
