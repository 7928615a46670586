"""Recompute the search tokens of every model that has them (or of the models named)."""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from logistics.search import backfill, tokens_field


class Command(BaseCommand):
    help = "Recompute search tokens (logistics.search) for all indexed models, or app_label.Model."

    def add_arguments(self, parser):
        parser.add_argument("models", nargs="*", help="app_label.Model (default: all indexed)")
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *labels, batch_size, **options):
        if labels:
            try:
                models = [apps.get_model(label) for label in labels]
            except (LookupError, ValueError) as error:
                raise CommandError(str(error)) from error
        else:
            models = [m for m in apps.get_models() if tokens_field(m) is not None]
        for model in models:
            if tokens_field(model) is None:
                raise CommandError(f"{model._meta.label} has no SearchTokensField.")
            count = backfill(model, batch_size=batch_size)
            self.stdout.write(f"{model._meta.label}: {count} rows")
