"""Drop four single-column indexes that a composite index already serves, to make each booking's insert cheaper.

appointment(organization_id), (patient_id), (practitioner_id) are the leading columns of appointment_org_start,
appointment_patient_start and appointment_practitioner_start; reservation(resource_id) leads
reservation_resource_start (and the exclusion constraint on PostgreSQL). Every lookup by the key alone, including
the PROTECT checks when a patient, practitioner or resource is deleted, uses the composite index instead.

Only the indexes are dropped (plain DROP INDEX): Django's own AlterField would rebuild both tables on SQLite,
which loses the reservation_no_overlap triggers of migration 0002.
"""

import django.db.models.deletion
from django.db import migrations, models

_DROPPED = [
    ("scheduling_appointment_organization_id_b9bcf979", "scheduling_appointment", "organization_id"),
    ("scheduling_appointment_patient_id_1a2fb708", "scheduling_appointment", "patient_id"),
    ("scheduling_appointment_practitioner_id_092c1b4b", "scheduling_appointment", "practitioner_id"),
    ("scheduling_reservation_resource_id_be782fc5", "scheduling_reservation", "resource_id"),
]


class Migration(migrations.Migration):

    dependencies = [
        ('patients', '0002_initial'),
        ('practice', '0001_initial'),
        ('scheduling', '0004_config_stamp'),
        ('staff', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(f'DROP INDEX IF EXISTS "{name}"',
                                  reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")')
                for name, table, column in _DROPPED
            ],
            state_operations=[
                migrations.AlterField(
                    model_name='appointment',
                    name='organization',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name='+', to='practice.organization'),
                ),
                migrations.AlterField(
                    model_name='appointment',
                    name='patient',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name='appointments', to='patients.patient'),
                ),
                migrations.AlterField(
                    model_name='appointment',
                    name='practitioner',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name='appointments', to='staff.practitioner'),
                ),
                migrations.AlterField(
                    model_name='reservation',
                    name='resource',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name='reservations', to='scheduling.resource'),
                ),
            ],
        ),
    ]
