"""Import an archive xlsx from the command line, exactly as the 档案导入 page does.

    manage.py import_archives --project A --kind units --user archie 房屋.xlsx

All or nothing: on any error nothing is written, every error is printed and the exit status is 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditlog.context import set_actor
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.core.errors import ApplicationError
from kefu.customers import importing
from kefu.org.models import Project, User


class Command(BaseCommand):
    help = "Import units, customers, occupancy or households from an xlsx file (all rows or none)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the .xlsx file")
        parser.add_argument("--project", required=True, help="project code, e.g. A")
        parser.add_argument("--kind", required=True, choices=sorted(importing.KINDS))
        parser.add_argument("--user", required=True, help="username of the staff member the import is done as")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        project = Project.objects.filter(code=options["project"]).first()
        if project is None:
            raise CommandError(f"项目 {options['project']} 不存在")
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"用户 {options['user']} 不存在或已停用")
        if not path.is_file():
            raise CommandError(f"文件 {path} 不存在")
        try:
            with path.open("rb") as f, set_actor(user):
                result = importing.import_file(
                    actor=user, project=project, kind=options["kind"], file=f, size=path.stat().st_size
                )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(result.summary())
        self.stdout.write(self.style.SUCCESS(result.summary()))
