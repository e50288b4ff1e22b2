"""`manage.py import_catalog PATH [--dry-run]`: import a demand or supply sheet (.xlsx/.docx/.csv) atomically."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.importing import import_catalog_file


class Command(BaseCommand):
    help = "导入需求清单或供给菜单（.xlsx、.docx 或 .csv，按表头自动识别）。任何一行有误则全部不保存。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="文件路径（.xlsx、.docx 或 .csv）")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不保存")

    def handle(self, *args, path, dry_run, **options):
        file_path = Path(path)
        if not file_path.is_file():
            raise CommandError(f"找不到文件：{path}")
        with file_path.open("rb") as handle:
            report = import_catalog_file(handle, filename=file_path.name, dry_run=dry_run)
        if not report.ok:
            for error in report.errors:
                self.stderr.write(error)
            raise CommandError(f"{file_path.name}：发现 {len(report.errors)} 个问题，没有保存任何数据。")
        prefix = "预检通过（未保存）" if dry_run else "导入完成"
        self.stdout.write(self.style.SUCCESS(f"{prefix}：{file_path.name}（{report.list_label}）"))
        for line in report.summary_lines():
            self.stdout.write(line)
