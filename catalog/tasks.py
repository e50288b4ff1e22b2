"""Worker tasks of the catalog app: previews and imports of large Excel/CSV files (with progress)."""

from celery import shared_task

from catalog.import_jobs import import_job_preview, import_job_run


@shared_task(name="catalog.tasks.preview_import_job", acks_late=True)
def preview_import_job(job_id):
    """Check every row of an uploaded file without writing. Safe to deliver twice."""
    job = import_job_preview(job_id=job_id)
    return job.status if job else "missing"


@shared_task(name="catalog.tasks.run_import_job", acks_late=True)
def run_import_job(job_id):
    """Import a confirmed ImportJob. Safe to deliver twice: a finished job is left as it is."""
    job = import_job_run(job_id=job_id)
    return job.status if job else "missing"
