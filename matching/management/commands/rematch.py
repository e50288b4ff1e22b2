"""`manage.py rematch [--queue]`: recompute every demand's match list (in-process, with progress)."""

import sys

from django.core.management.base import BaseCommand, CommandError

from matching.embeddings import ModelUnavailable, cache_stats


class Command(BaseCommand):
    help = "重新计算全部需求的匹配结果（默认在本进程内运行并显示进度；--queue 交给后台 worker）。"

    def add_arguments(self, parser):
        parser.add_argument("--queue", action="store_true", help="发送到 Celery worker 执行，而不是在本进程内计算")
        parser.add_argument("--no-recommend", action="store_true", help="不为新进入前列的匹配创建推荐对接待办")

    def handle(self, *args, queue, no_recommend, **options):
        if queue:
            from django.db import transaction

            from portal.outbox import enqueue

            with transaction.atomic():
                message = enqueue("matching.tasks.rematch_all")
            self.stdout.write(self.style.SUCCESS(f"已提交后台重新匹配任务（消息 #{message.pk}），由 worker 执行。"))
            return
        from matching.services import match_rematch_all

        interactive = sys.stdout.isatty()

        def progress(done, total):
            line = f"匹配进度：{done}/{total} 个需求"
            if interactive:
                self.stdout.write("\r" + line, ending="")
                self.stdout.flush()
            elif done == total or done % 1024 == 0:
                self.stdout.write(line)

        self.stdout.write("正在加载供需数据并编码文本（已编码的文本直接取自缓存）……")
        try:
            result = match_rematch_all(progress=progress, recommend=not no_recommend)
        except ModelUnavailable as exc:
            raise CommandError(str(exc)) from exc
        if interactive:
            self.stdout.write("")
        stats = cache_stats()
        self.stdout.write(
            self.style.SUCCESS(
                f"重新匹配完成：{result['demands']} 个需求 × {result['supplies']} 个供给，写入 {result['inserted']} 条匹配，"
                f"新开推荐对接 {result['cases_opened']} 个，用时 {result['seconds']} 秒。"
            )
        )
        self.stdout.write(
            f"向量缓存：命中 {stats.hits}，新编码 {stats.misses}，命中率 {stats.ratio:.1%}，编码用时 {stats.encode_seconds:.1f} 秒。"
        )
