"""A view, a function, a trigger, a standalone sequence and a partitioned table in the tenant's schema."""

from django.db import migrations

OBJECTS = """
CREATE SEQUENCE invoice_number START 1000;
CREATE TABLE event_log (id bigint NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE event_log_2026 PARTITION OF event_log FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE FUNCTION job_title_upper() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.title := upper(NEW.title); RETURN NEW; END $$;
CREATE TRIGGER job_title_upper BEFORE INSERT ON careers_job
    FOR EACH ROW EXECUTE FUNCTION job_title_upper();
CREATE VIEW open_jobs AS SELECT id, title FROM careers_job WHERE status = 'open';
"""


class Migration(migrations.Migration):
    dependencies = [("careers", "0003_recruiter_group")]

    operations = [migrations.RunSQL(OBJECTS, migrations.RunSQL.noop)]
