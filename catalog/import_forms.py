"""The upload form of the import page: size, extension and content (magic bytes) checked before saving."""

from django import forms
from django.conf import settings

from catalog.importing import NOT_CSV, NOT_DOCX, NOT_XLSX, OLE_MAGIC, SUPPORTED, XLSX_MAGIC


def _megabytes(size):
    return f"{size / (1024 * 1024):.1f} MB"


def size_error(size):
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    return f"文件过大（{_megabytes(size)}），上限为 {_megabytes(limit)}：请拆分后分批导入。"


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="选择文件",
        help_text="Excel（.xlsx）、Word（.docx，清单做成表格）或 CSV（.csv，UTF-8 编码）文件；表头上方可有标题行，列名可用常见别名。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.docx,.csv", "class": "form-control"}),
        error_messages={"required": "请选择要上传的文件。", "empty": "文件是空的：没有表头也没有数据。"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".xlsx", ".docx", ".csv")):
            raise forms.ValidationError(f"{SUPPORTED}旧版 .xls / .doc 请先“另存为” .xlsx / .docx。")
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(size_error(upload.size))
        if upload.size == 0:
            raise forms.ValidationError("文件是空的：没有表头也没有数据。")
        upload.seek(0)
        head = upload.read(8192)
        upload.seek(0)
        # The extension is the user's claim; the first bytes say what the file really is.
        if name.endswith(".xlsx") and not head.startswith(XLSX_MAGIC):
            if head.startswith(OLE_MAGIC):
                raise forms.ValidationError(f"{NOT_XLSX}：这是旧版 .xls 格式，请在 Excel 中“另存为 .xlsx”后再上传。")
            raise forms.ValidationError(f"{NOT_XLSX}：文件内容不是 Excel 工作簿（可能只是改了扩展名）。")
        if name.endswith(".docx") and not head.startswith(XLSX_MAGIC):
            if head.startswith(OLE_MAGIC):
                raise forms.ValidationError(f"{NOT_DOCX}：这是旧版 .doc 格式，请在 Word 中“另存为 .docx”后再上传。")
            raise forms.ValidationError(f"{NOT_DOCX}：文件内容不是 Word 文档（可能只是改了扩展名）。")
        if name.endswith(".csv"):
            if head.startswith(XLSX_MAGIC):
                raise forms.ValidationError(f"{NOT_CSV}：这是一个 Excel 文件，请把扩展名改为 .xlsx 后再上传。")
            if b"\x00" in head or head.startswith(OLE_MAGIC):
                raise forms.ValidationError(f"{NOT_CSV}：文件包含二进制内容（可能是改了扩展名的其他文件）。")
        return upload
