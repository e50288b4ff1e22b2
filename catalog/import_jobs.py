"""ImportJob handling for the upload page and the worker: store, preview (dry run), confirm, cancel, run.

The rows themselves are read by catalog.importing and written by catalog.services.items_upsert.
"""

import logging
import os
import time
import uuid

from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from catalog.importing import async_threshold_rows, estimate_rows, import_catalog_file
from catalog.models import ImportJob
from portal.outbox import enqueue

logger = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 0.5


def import_job_create(*, uploaded_file, user, organization):
    """Store an upload under a random name (never the user's) and start its preview (a dry run).

    Small files are checked in the request; big ones (estimated rows above the threshold) are
    checked in the worker while the page shows a progress bar.
    """
    extension = os.path.splitext(uploaded_file.name)[1].lower()
    job = ImportJob(
        original_name=os.path.basename(uploaded_file.name)[:255], created_by=user, organization=organization
    )
    job.file.save(f"{uuid.uuid4().hex}{extension}", File(uploaded_file), save=False)
    with job.file.open("rb") as handle:
        job.total_rows = estimate_rows(handle, job.original_name)
    job.status = ImportJob.Status.PENDING
    with transaction.atomic():
        job.save()
        if job.total_rows > async_threshold_rows():
            enqueue("catalog.tasks.preview_import_job", job.pk)
            return job
    import_job_preview(job_id=job.pk)
    job.refresh_from_db()
    return job


def _job_callbacks(job_id):
    """progress/should_cancel callbacks that write through to the ImportJob row (throttled)."""
    jobs = ImportJob.objects.filter(pk=job_id)
    last_update = [0.0]

    def progress(done, total):
        now = time.monotonic()
        if done >= total or now - last_update[0] >= PROGRESS_EVERY_SECONDS:
            last_update[0] = now
            jobs.update(processed_rows=done, total_rows=total)

    def should_cancel():
        return jobs.filter(is_cancel_requested=True).exists()

    return progress, should_cancel


def job_options(job):
    """The user's choices stored with the job: sheet, skip_invalid, duplicates {row: {choice, item}}."""
    return dict((job.summary or {}).get("options") or {})


def _import_file(job, *, use_choices=False, **kwargs):
    """Read the job's file as its uploader (never with the command's full rights), with progress."""
    progress, should_cancel = _job_callbacks(job.pk)
    options = job_options(job)
    with job.file.open("rb") as handle:
        report = import_catalog_file(
            handle,
            filename=job.original_name,
            actor=job.created_by,
            organization=job.organization,
            progress=progress,
            should_cancel=should_cancel,
            expected_rows=job.total_rows,
            sheet=options.get("sheet") or None,
            skip_invalid=bool(options.get("skip_invalid")),
            duplicate_choices=(options.get("duplicates") or {}) if use_choices else None,
            **kwargs,
        )
    report.options = options
    return report


def rejected_rows(job):
    """(kind, [(row number, {key: value}, [messages])]) of the job's file, read again (nothing is written)."""
    options = job_options(job)
    with job.file.open("rb") as handle:
        report = import_catalog_file(
            handle,
            filename=job.original_name,
            actor=job.created_by,
            organization=job.organization,
            dry_run=True,
            sheet=options.get("sheet") or None,
            duplicate_choices={},
        )
    return report.kind, report.rejected


def _summary(report):
    summary = report.as_summary()
    summary["options"] = getattr(report, "options", {})
    return summary


def import_job_reconsider(*, job, sheet=None, skip_invalid=None):
    """Check the file again with another sheet or with invalid rows skipped (a preview, nothing written).

    Returns False when the job is no longer waiting for a decision (confirmed, running or finished).
    """
    Status = ImportJob.Status
    options = job_options(job)
    if sheet is not None:
        options["sheet"] = sheet
        options.pop("skip_invalid", None)
    if skip_invalid is not None:
        options["skip_invalid"] = bool(skip_invalid)
    options.pop("duplicates", None)
    with transaction.atomic():
        claimed = ImportJob.objects.filter(pk=job.pk, status__in=(Status.VALIDATED, Status.FAILED)).update(
            status=Status.PENDING, errors=[], summary={"options": options}, finished_at=None, processed_rows=0
        )
        if not claimed:
            return False
        if job.total_rows > async_threshold_rows():
            enqueue("catalog.tasks.preview_import_job", job.pk)
            return True
    import_job_preview(job_id=job.pk)
    return True


def import_job_set_duplicate_choices(*, job, choices):
    """Store the keep/update/skip choices for the near-duplicates listed in the preview (before confirming)."""
    known = {str(d["number"]): d for d in (job.summary or {}).get("duplicates", [])}
    stored = {}
    for number, choice in choices.items():
        entry = known.get(str(number))
        if entry is None or choice not in ("keep", "update", "skip"):
            continue
        if choice == "update" and not entry.get("can_update"):
            choice = "keep"
        stored[str(number)] = {"choice": choice, "item": entry["item"]}
    summary = dict(job.summary or {})
    summary["options"] = {**job_options(job), "duplicates": stored}
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATED).update(summary=summary)
    job.summary = summary


def import_job_preview(*, job_id):
    """Validate a PENDING job's file without writing: VALIDATED with a summary, or FAILED with every problem."""
    Status = ImportJob.Status
    job = ImportJob.objects.select_related("created_by", "organization").filter(pk=job_id).first()
    if job is None or job.status != Status.PENDING:
        return job  # cancelled meanwhile, or a duplicate delivery
    report = _import_file(job, dry_run=True)
    fields = {
        "kind": report.kind,
        "total_rows": report.total_rows,
        "processed_rows": report.total_rows,
        "errors": report.errors,
        "summary": _summary(report),
    }
    if report.cancelled:
        fields.update(status=Status.CANCELLED, finished_at=timezone.now())
    elif report.ok:
        fields.update(status=Status.VALIDATED)
    else:
        fields.update(status=Status.FAILED, finished_at=timezone.now())
    ImportJob.objects.filter(pk=job_id, status=Status.PENDING).update(**fields)
    job.refresh_from_db()
    return job


def import_job_confirm(*, job):
    """Start a validated job: small files run now, big ones are queued for the worker.

    Returns "done" or "queued"; None when the job was not waiting for confirmation (double click).
    """
    with transaction.atomic():
        claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATED).update(
            status=ImportJob.Status.RUNNING, processed_rows=0
        )
        if not claimed:
            return None
        if job.total_rows > async_threshold_rows():
            enqueue("catalog.tasks.run_import_job", job.pk)
            return "queued"
    import_job_run(job_id=job.pk)
    return "done"


def import_job_cancel(*, job):
    """Cancel a job. Returns True if it will write nothing, False if it had already finished."""
    waiting = (ImportJob.Status.VALIDATED, ImportJob.Status.PENDING)
    if ImportJob.objects.filter(pk=job.pk, status__in=waiting).update(
        status=ImportJob.Status.CANCELLED, is_cancel_requested=True, finished_at=timezone.now()
    ):
        return True
    # Running (or queued for the worker): checked between batches, and everything is rolled back.
    return bool(ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING).update(is_cancel_requested=True))


def import_job_run(*, job_id):
    """Run a confirmed (RUNNING) job, in the request or the worker. Finished jobs are left alone.

    The rows are written in one transaction together with the job's SUCCEEDED status, so a
    cancelled, failed or killed run leaves nothing behind (re-running it is safe: imports upsert).
    """
    Status = ImportJob.Status
    job = ImportJob.objects.select_related("created_by", "organization").filter(pk=job_id).first()
    if job is None or job.status != Status.RUNNING:
        return job
    jobs = ImportJob.objects.filter(pk=job_id)

    def finish(status, **fields):
        jobs.filter(status=Status.RUNNING).update(status=status, finished_at=timezone.now(), **fields)
        job.refresh_from_db()
        return job

    if job.created_by_id is None:  # never fall back to the command's full rights
        return finish(Status.FAILED, errors=["上传人账号已不存在，导入未执行。"])

    def finalize(report):
        jobs.update(
            status=Status.SUCCEEDED,
            processed_rows=report.total_rows,
            total_rows=report.total_rows,
            summary=_summary(report),
            errors=[],
            finished_at=timezone.now(),
        )

    try:
        report = _import_file(job, finalize=finalize, use_choices=True)
    except Exception as exc:  # a bug or a lost database: nothing was committed, say so
        logger.exception("import job %s failed", job_id)
        return finish(
            Status.FAILED, errors=[f"导入失败（系统错误：{type(exc).__name__}），所有数据均已撤销，请稍后重试。"]
        )
    if report.cancelled:
        return finish(Status.CANCELLED)
    if not report.ok:
        return finish(Status.FAILED, errors=report.errors, summary=_summary(report))
    job.refresh_from_db()
    enqueue(
        "webhooks.tasks.emit",
        "import.finished",
        job.organization_id,
        {"job_id": job.pk, "file": job.original_name, "status": job.get_status_display(), "rows": job.total_rows},
    )
    return job
