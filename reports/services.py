"""Writes of the reports app: directory records (form and import share one writer), evaluation
weights and reviewer scores. Every write checks the actor's rights and is audited."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit.services import audit_record, diff_fields, snapshot
from catalog.importing import ImportFileError, _open_table
from reports import evaluations, selectors
from reports.directories import CellError, lookup_tables
from reports.models import ReviewScore, WeightSet

MAX_IMPORT_ROWS = 5000


def _audit_fields(directory):
    return [c.field for c in directory.columns if c.field not in directory.m2m]


def _write(*, directory, actor, item, values):
    """The one writer of a directory record: ownership, validation, m2m, audit."""
    is_new = item.pk is None
    if is_new and not selectors.can_create(actor, directory):
        raise PermissionDenied(f"您没有新增{directory.label}记录的权限。")
    if not is_new and not selectors.can_edit(actor, directory, item):
        raise PermissionDenied(f"您不能修改这条{directory.label}记录：只有其所属单位或平台管理员可以修改。")
    fields = _audit_fields(directory)
    before = {} if is_new else snapshot(item, fields)
    m2m = {name: values.pop(name) for name in directory.m2m if name in values}
    if directory.org_owned:
        chosen = values.pop("organization", None)
        if selectors.is_platform_admin(actor):
            if chosen is None and item.organization_id is None:
                raise ValidationError({"organization": "请选择所属单位。"})
            if chosen is not None:
                item.organization = chosen
        else:
            own = selectors.acting_org(actor) if is_new else item.organization
            if chosen is not None and chosen.pk != own.pk:
                raise PermissionDenied(f"只能录入本单位（{own.name}）的{directory.label}记录。")
            item.organization = own
    elif "organization" in values and not selectors.is_liaison(actor):
        # A member of a platform's 依托单位 keeps it under their organisation.
        if getattr(values.pop("organization"), "pk", None) != item.organization_id:
            raise PermissionDenied("只有对接专员或平台管理员可以更改依托单位。")
    for name, value in values.items():
        setattr(item, name, value)
    item.full_clean(exclude=list(directory.m2m))
    item.save()
    for name, value in m2m.items():
        getattr(item, name).set(value)
    audit_record(
        actor=actor, obj=item, action="create" if is_new else "update", changes=diff_fields(before, item, fields)
    )
    return item


@transaction.atomic
def directory_save(*, directory, actor, values, instance=None):
    """Create (instance=None) or update one record from cleaned form values."""
    item = instance if instance is not None else directory.model()
    return _write(directory=directory, actor=actor, item=item, values=dict(values))


class ImportResult:
    def __init__(self):
        self.created = 0
        self.errors = []
        self.notes = []

    @property
    def ok(self):
        return not self.errors


def _model_errors(exc, columns_by_field):
    if hasattr(exc, "message_dict"):
        for name, messages in exc.message_dict.items():
            header = columns_by_field.get(name)
            for message in messages:
                yield (f"「{header.header}」: " if header else "") + message
    else:
        yield from exc.messages


def directory_import(*, directory, actor, fileobj, filename):
    """Import a filled-in template: every row is checked first; any error writes nothing.

    Errors read “第N行「列名」: …” with the spreadsheet's own row numbers.
    """
    result = ImportResult()
    if not selectors.can_create(actor, directory):
        raise PermissionDenied(f"您没有导入{directory.label}记录的权限。")
    try:
        rows, _merged = _open_table(fileobj, filename, result.notes)
        rows = iter(rows)
        header_row = next(rows, None)
    except ImportFileError as exc:
        result.errors.append(str(exc))
        return result
    if header_row is None:
        result.errors.append("文件是空的：没有表头。")
        return result
    headers = [str(c.value).strip() if c.value is not None else "" for c in header_row[1]]
    known = {c.header: c for c in directory.columns}
    missing = [c.header for c in directory.columns if c.required and c.header not in headers]
    if missing:
        result.errors.append(f"第1行（表头）缺少必填列：{'、'.join(missing)}。请下载导入模板，按模板的列名填写。")
        return result
    unknown = [h for h in headers if h and h not in known]
    if unknown:
        result.errors.append(f"第1行（表头）有无法识别的列：{'、'.join(unknown)}。请使用导入模板的列名。")
        return result
    tables = lookup_tables()
    parsed = []
    try:
        for number, cells in rows:
            values = [c.value for c in cells]
            if all(v is None or str(v).strip() == "" for v in values):
                continue
            if len(parsed) >= MAX_IMPORT_ROWS:
                result.errors.append(f"数据超过 {MAX_IMPORT_ROWS} 行，请拆分后再导入。")
                return result
            row_values, row_ok = {}, True
            for index, header in enumerate(headers):
                column = known.get(header)
                if column is None:
                    continue
                cell = cells[index] if index < len(cells) else None
                if cell is not None and cell.is_formula:
                    result.errors.append(f"第{number}行「{header}」: 不能是公式，请粘贴为数值")
                    row_ok = False
                    continue
                try:
                    row_values[column.field] = column.read(cell.value if cell else None, **tables)
                except CellError as exc:
                    result.errors.append(f"第{number}行「{header}」: {exc}")
                    row_ok = False
            if row_ok:
                parsed.append((number, row_values))
    except ImportFileError as exc:
        result.errors.append(str(exc))
        return result
    if not parsed and not result.errors:
        result.errors.append("文件中没有数据行。")
    if result.errors:
        return result
    columns_by_field = {c.field: c for c in directory.columns}
    try:
        with transaction.atomic():
            for number, values in parsed:
                try:
                    with transaction.atomic():
                        _write(directory=directory, actor=actor, item=directory.model(), values=values)
                except ValidationError as exc:
                    result.errors.extend(f"第{number}行{message}" for message in _model_errors(exc, columns_by_field))
                except PermissionDenied as exc:
                    result.errors.append(f"第{number}行: {exc}")
            if result.errors:
                raise _Rollback
            result.created = len(parsed)
    except _Rollback:
        result.created = 0
    return result


class _Rollback(Exception):
    pass


# --- 四评价 ------------------------------------------------------------------------------------


@transaction.atomic
def weights_set(*, kind, actor, weights, note=""):
    """Store a new version of an evaluation's weights (staff only); the newest version is in force."""
    if not evaluations.can_manage(actor):
        raise PermissionDenied("只有对接专员或平台管理员可以调整评价权重。")
    indicators = evaluations.indicator_keys(kind)
    clean = {}
    for key in indicators:
        try:
            value = float(weights.get(key, 0))
        except (TypeError, ValueError):
            raise ValidationError("权重应为数字。") from None
        if value < 0 or value > 100:
            raise ValidationError("每项权重应在 0 到 100 之间。")
        clean[key] = value
    if sum(clean.values()) <= 0:
        raise ValidationError("权重不能全为 0。")
    before = evaluations.current_weights(kind)
    row = WeightSet.objects.create(kind=kind, weights=clean, note=note[:200], created_by=actor)
    audit_record(
        actor=actor,
        obj=row,
        action="update",
        changes={k: {"before": before.get(k), "after": v} for k, v in clean.items() if before.get(k) != v},
    )
    return row


@transaction.atomic
def review_record(*, kind, object_id, actor, scores, note=""):
    """A reviewer scores the review-sourced indicators of one object (0–100 each)."""
    if not evaluations.can_manage(actor):
        raise PermissionDenied("只有对接专员或平台管理员可以评审打分。")
    allowed = evaluations.review_indicator_keys(kind)
    rows = []
    for key, value in scores.items():
        if key not in allowed or value in (None, ""):
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValidationError("评分应为 0 到 100 的整数。") from None
        if not 0 <= number <= 100:
            raise ValidationError("评分应为 0 到 100 的整数。")
        rows.append(
            ReviewScore.objects.create(
                kind=kind, object_id=object_id, indicator=key, score=number, note=note[:500], reviewer=actor
            )
        )
    if not rows:
        raise ValidationError("请至少填写一项评分。")
    for row in rows:
        audit_record(actor=actor, obj=row, action="create", changes={"score": {"before": None, "after": row.score}})
    return rows
