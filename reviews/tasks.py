"""Celery tasks of reviews, run by beat: invitations, complaint deadlines, index aggregation.

Each takes no objects, re-reads the rows and is safe to run twice (due-time columns are
claimed with conditional updates; index rows are upserted).
"""

from celery import shared_task


@shared_task(name="reviews.tasks.bulk_invitations_sweep", ignore_result=True)
def bulk_invitations_sweep() -> dict:
    """Sends due invitations and the one reminder of unanswered ones."""
    from reviews.invitations import invitations_sweep

    return invitations_sweep()


@shared_task(name="reviews.tasks.bulk_complaints_sweep", ignore_result=True)
def bulk_complaints_sweep() -> dict:
    """Escalates complaints past their acknowledge or resolve deadline to the managers."""
    from reviews.complaints.services import complaints_sweep

    return complaints_sweep()


@shared_task(name="reviews.tasks.bulk_aggregate_indices", ignore_result=True)
def bulk_aggregate_indices(days_back: int = 0) -> int:
    """Aggregates today's (or `days_back` days ago) reviews, invitations and complaints into
    the day, week and month index rows."""
    from reviews.indices.aggregate import aggregate_recent

    return aggregate_recent(days_back=days_back)
