"""`manage.py import_places buildings|rooms FILE --as USERNAME`: the import, from the shell."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from logistics.models import User
from logistics.places import IMPORT_KINDS, place_import


class Command(BaseCommand):
    help = (
        "Imports buildings or rooms from a CSV (UTF-8 or GBK) or XLSX file, all or nothing: "
        "if any row is bad, nothing is imported and every bad row is listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(IMPORT_KINDS))
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--as",
            dest="username",
            default=None,
            help="A logistics manager's campus ID (default: the first active superuser).",
        )

    def handle(self, *args, kind, path, username, **options):
        user = self._user(username)
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        with path.open("rb") as upload:
            report = place_import(kind=kind, upload=upload, by=user)
        if report.file_error:
            raise CommandError(report.file_error)
        if report.errors:
            for row in report.errors:
                for column, message in row.items():
                    self.stderr.write(
                        f"line {row.line}: {column + ': ' if column else ''}{message}"
                    )
            raise CommandError(
                f"{len(report.errors)} of {report.rows} rows are bad; nothing was imported."
            )
        self.stdout.write(
            self.style.SUCCESS(f"{kind}: {report.created} created, {report.updated} updated.")
        )

    def _user(self, username: str | None) -> User:
        users = User.objects.filter(is_active=True)
        user = (
            users.filter(username=username).first()
            if username
            else users.filter(is_superuser=True).order_by("pk").first()
        )
        if user is None or not user.is_manager:
            raise CommandError("Name a logistics manager with --as USERNAME.")
        return user
