"""Pages of the Excel/CSV intake (upload → preview → confirm → progress) and the xlsx exports/templates."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import is_liaison, is_platform_admin, user_active_membership
from catalog import exporting, import_jobs, importing
from catalog.filters import FILTERSETS
from catalog.import_forms import ImportUploadForm, size_error
from catalog.kinds import KINDS
from catalog.models import ImportJob
from catalog.selectors import can_view_contacts, items_visible_to

EXPORT_MAX_ROWS = getattr(settings, "EXPORT_MAX_ROWS", 50_000)
FINISHED = (ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED, ImportJob.Status.CANCELLED)
# PENDING: the file is being checked in the worker; RUNNING: confirmed, importing (or queued).
IN_PROGRESS = (ImportJob.Status.PENDING, ImportJob.Status.RUNNING)


def _xlsx_response(content, filename):
    response = HttpResponse(content, content_type=exporting.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _acting_organization(user):
    """(is_staff, organization): platform admins import for anyone; a member for their active organisation.

    Liaison staff may upload (every row they name is refused by catalog.services: they never edit).
    """
    if is_platform_admin(user):
        return True, None
    membership = user_active_membership(user)
    return False, membership.organization if membership else None


def _job_or_404(request, pk):
    jobs = ImportJob.objects.select_related("organization", "created_by")
    if not is_platform_admin(request.user):
        jobs = jobs.filter(created_by=request.user)
    return get_object_or_404(jobs, pk=pk)


@login_required
def import_upload(request):
    is_staff, organization = _acting_organization(request.user)
    if not is_staff and organization is None and not is_liaison(request.user):
        return render(request, "catalog/import_upload.html", {"no_organization": True}, status=403)
    form, upload_error = ImportUploadForm(), ""
    if request.method == "POST":
        # Refuse oversized bodies before Django spools them to disk.
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.IMPORT_MAX_UPLOAD_BYTES + 64 * 1024:
            upload_error = size_error(declared)
        else:
            form = ImportUploadForm(request.POST, request.FILES)
            if form.is_valid():
                job = import_jobs.import_job_create(
                    uploaded_file=form.cleaned_data["file"], user=request.user, organization=organization
                )
                if job.status == ImportJob.Status.PENDING:
                    messages.info(
                        request,
                        _("文件较大（约 %(rows)d 行），正在后台逐行检查，完成后本页显示预检结果。")
                        % {"rows": job.total_rows},
                    )
                return redirect("catalog:import_job", pk=job.pk)
    jobs = ImportJob.objects.filter(created_by=request.user).order_by("-created_at")[:10]
    return render(
        request,
        "catalog/import_upload.html",
        {
            "form": form,
            "upload_error": upload_error,
            "organization": organization,
            "is_staff": is_staff,
            "jobs": jobs,
            "async_threshold": importing.async_threshold_rows(),
        },
    )


@login_required
@require_GET
def import_job(request, pk):
    job = _job_or_404(request, pk)
    errors = job.errors or []
    summary = job.summary or {}
    choices = (summary.get("options") or {}).get("duplicates") or {}
    duplicates = [
        {**d, "choice": (choices.get(str(d["number"])) or {}).get("choice") or d.get("default", "keep")}
        for d in summary.get("duplicates", [])
    ]
    valid_rows = max(0, job.total_rows - summary.get("rejected_count", 0))
    return render(
        request,
        "catalog/import_job.html",
        {
            "job": job,
            "preview": summary.get("preview") or {},
            "mapping": summary.get("mapping") or [],
            "sheets": summary.get("sheets") or [],
            "duplicates": duplicates,
            "rejected_count": summary.get("rejected_count", 0),
            "can_skip_invalid": job.status == ImportJob.Status.FAILED
            and summary.get("row_errors_only")
            and valid_rows > 0,
            "valid_rows": valid_rows,
            "can_choose_sheet": job.status in (ImportJob.Status.VALIDATED, ImportJob.Status.FAILED)
            and len(summary.get("sheets") or []) > 1,
            "errors": errors[:1000],
            "hidden_errors": max(0, len(errors) - 1000),
            "summary_lines": (job.summary or {}).get("lines", []),
            "notes": (job.summary or {}).get("notes", []),
            "is_finished": job.status in FINISHED,
            "is_running": job.status in IN_PROGRESS,
            "percent": _percent(job),
            "status_message": _status_message(job),
            "async_threshold": importing.async_threshold_rows(),
        },
    )


def _percent(job):
    if job.status == ImportJob.Status.SUCCEEDED:
        return 100
    if not job.total_rows:
        return 0
    return min(100, int(job.processed_rows * 100 / job.total_rows))


@login_required
@require_GET
def import_job_status(request, pk):
    job = _job_or_404(request, pk)
    return JsonResponse(
        {
            "id": job.pk,
            "status": job.status,
            "status_display": job.get_status_display(),
            "processed_rows": job.processed_rows,
            "total_rows": job.total_rows,
            "percent": _percent(job),
            "is_cancel_requested": job.is_cancel_requested,
            "finished": job.status not in IN_PROGRESS,
            "message": _status_message(job),
        }
    )


def _status_message(job):
    Status = ImportJob.Status
    if job.status in IN_PROGRESS and job.is_cancel_requested:
        return _("正在取消，已处理的数据将全部撤销…")
    if job.status == Status.PENDING:
        return _("正在检查文件中的每一行（尚未保存任何数据）…")
    if job.status == Status.RUNNING:
        if job.total_rows and job.processed_rows >= job.total_rows:
            return _("正在写入数据库…")
        if job.processed_rows == 0:
            return _("排队中，等待后台任务开始…")
        return _("正在导入（检查并建立检索索引）…")
    return job.get_status_display()


@login_required
@require_POST
def import_confirm(request, pk):
    job = _job_or_404(request, pk)
    if job.status == ImportJob.Status.VALIDATED:
        choices = {key[4:]: value for key, value in request.POST.items() if key.startswith("dup_")}
        import_jobs.import_job_set_duplicate_choices(job=job, choices=choices)
    outcome = import_jobs.import_job_confirm(job=job)
    if outcome is None:
        messages.warning(request, _("该导入已经确认过或已结束，无需重复提交。"))
    elif outcome == "queued":
        messages.info(
            request, _("文件较大（%(rows)d 行），已转入后台导入，可在本页查看进度。") % {"rows": job.total_rows}
        )
    else:
        job.refresh_from_db()
        if job.status == ImportJob.Status.SUCCEEDED:
            messages.success(request, _("导入完成。"))
        else:
            messages.error(request, _("导入未完成，所有数据均未保存。"))
    return redirect("catalog:import_job", pk=job.pk)


@login_required
@require_POST
def import_options(request, pk):
    """Re-check the file with another worksheet, or leaving out the rows that have problems."""
    job = _job_or_404(request, pk)
    sheet = request.POST.get("sheet")
    skip = request.POST.get("skip_invalid")
    if sheet is None and skip is None:
        messages.warning(request, _("请选择工作表，或选择跳过有问题的行。"))
    elif import_jobs.import_job_reconsider(job=job, sheet=sheet, skip_invalid=None if skip is None else skip == "1"):
        job.refresh_from_db()
        if job.status == ImportJob.Status.PENDING:
            messages.info(request, _("正在后台重新检查文件…"))
    else:
        messages.warning(request, _("该导入已经确认或已结束，不能再更改。"))
    return redirect("catalog:import_job", pk=job.pk)


@login_required
@require_GET
def import_errors_download(request, pk):
    """The refused rows of a preview as .xlsx (import columns + 错误说明): fix them and import it again."""
    job = _job_or_404(request, pk)
    if not (job.summary or {}).get("rejected_count") or not job.file:
        raise Http404
    kind, rejected = import_jobs.rejected_rows(job)
    if not rejected:
        raise Http404
    stem = job.original_name.rsplit(".", 1)[0]
    return _xlsx_response(exporting.errors_xlsx(kind, rejected), f"{stem}-错误行.xlsx")


@login_required
@require_POST
def import_cancel(request, pk):
    job = _job_or_404(request, pk)
    if import_jobs.import_job_cancel(job=job):
        job.refresh_from_db()
        if job.status == ImportJob.Status.CANCELLED:
            messages.info(request, _("已取消导入，没有保存任何数据。"))
        else:
            messages.info(request, _("已请求取消：后台任务将在下一批数据前停止，并撤销全部已处理的数据。"))
    else:
        messages.warning(request, _("该导入已经结束，无法取消。"))
    return redirect("catalog:import_job", pk=job.pk)


@require_GET
def import_template(request, kind):
    if kind not in KINDS:
        raise Http404
    return _xlsx_response(exporting.template_xlsx(kind), f"{KINDS[kind].list_word}导入模板.xlsx")


@require_GET
def item_export(request, *, kind):
    queryset = items_visible_to(kind, request.user)
    filterset = FILTERSETS[kind.key](request.GET or None, queryset=queryset, request=request)
    items = filterset.qs
    count = items.count()
    if count > EXPORT_MAX_ROWS:
        messages.error(
            request,
            _("符合条件的记录有 %(count)d 条，超过单次导出上限 %(limit)d 条：请增加筛选条件后再导出。")
            % {"count": count, "limit": EXPORT_MAX_ROWS},
        )
        query = request.GET.urlencode()
        return redirect(reverse(kind.url["list"]) + (f"?{query}" if query else ""))
    user = request.user
    content = exporting.export_xlsx(
        kind.key, items.iterator(chunk_size=2000), contacts_allowed=lambda obj: can_view_contacts(user, obj)
    )
    return _xlsx_response(content, f"{kind.item_word}导出-{timezone.localdate():%Y%m%d}.xlsx")
