"""Give a user a platform role from the command line (the first platform admin has nobody to ask)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.models import User


class Command(BaseCommand):
    help = "设置用户的平台角色：liaison（对接专员）、admin（平台管理员）或 none（普通用户），可指定负责地区。"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=["liaison", "admin", "none"])
        parser.add_argument(
            "--region",
            action="append",
            default=None,
            dest="regions",
            help="负责地区，如“济宁市”“山东省青岛市”，可重复；会替换原有负责地区。",
        )

    def handle(self, *args, username, role, regions, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户「{username}」不存在。")
        region_rows = None
        if regions is not None:
            region_rows = []
            for text in regions:
                try:
                    region_rows.append(services.region_from_text(text))
                except ValidationError as exc:
                    raise CommandError(f"负责地区「{text}」无法识别：{'；'.join(exc.messages)}") from None
        user = services.user_set_platform_role(
            user=user, role="" if role == "none" else role, actor=services.SYSTEM, regions=region_rows
        )
        regions_text = "、".join(r.full_name for r in user.responsible_regions.all()) or "无"
        self.stdout.write(
            self.style.SUCCESS(
                f"{user.username}：平台角色 = {user.get_platform_role_display()}，负责地区 = {regions_text}"
            )
        )
