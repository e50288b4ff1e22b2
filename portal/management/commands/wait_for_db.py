"""Wait until the database accepts connections (container start-up, CI); exit 1 after --timeout."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.utils import OperationalError


class Command(BaseCommand):
    help = "等待数据库可以连接（容器启动时使用）。"

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=60, help="最长等待秒数（默认 60）")
        parser.add_argument("--database", default="default")

    def handle(self, *args, timeout, database, **options):
        deadline = time.monotonic() + timeout
        connection = connections[database]
        last_error = None
        while True:
            try:
                connection.ensure_connection()
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
                self.stdout.write(f"数据库已就绪（{connection.vendor}）。")
                return
            except OperationalError as exc:
                last_error = exc
                connection.close()
            if time.monotonic() >= deadline:
                raise CommandError(f"等待 {timeout:g} 秒后仍无法连接数据库：{last_error}")
            time.sleep(1)
