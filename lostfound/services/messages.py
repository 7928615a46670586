"""Portal messages between the finder who keeps an item and the people who ask about it: the
only way to reach a finder (never a phone number), and neither side learns who the other is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from logistics.workflow import InvalidInput, NotAllowed, Notifier
from lostfound.models import Conversation, FoundItem, Message

if TYPE_CHECKING:
    from logistics.models import User

MAX_LENGTH = 1000

message_notifier = Notifier(
    kind="lostfound.{action}",
    # Names the item only: the notification must not tell who wrote.
    titles={"message": _("New message about %(number)s (%(category)s)")},
    params=lambda c: {"number": c.item.number, "category": str(c.item.category)},
    url=lambda c: c.get_absolute_url(),
)


def can_ask_finder(item: FoundItem, user: User) -> bool:
    """Whether `user` may write to the item's finder: the finder keeps it, it is still open,
    and the user is someone else."""
    return bool(
        user.is_authenticated
        and item.custody == FoundItem.Custody.FINDER
        and item.finder_id
        and item.finder_id != user.pk
        and item.status == FoundItem.Status.REPORTED
    )


@transaction.atomic
def message_send(
    *, item: FoundItem, by: User, body: str, conversation: Conversation | None = None
) -> Message:
    """Sends a message about `item`: someone asking writes to its finder (their conversation
    is opened on the first message); the finder answers in a `conversation`. The other side is
    notified without the sender's name. Raises NotAllowed (the item is not kept by its finder,
    or `by` is not in the conversation), InvalidInput (an empty or too long message)."""
    text = body.strip()
    if not text or len(text) > MAX_LENGTH:
        raise InvalidInput(
            fields={"body": [_("Write a message of at most %(n)d characters.") % {"n": MAX_LENGTH}]}
        )
    if item.finder_id == by.pk:
        if conversation is None or conversation.item_id != item.pk:
            raise NotAllowed()
        recipient, from_finder = conversation.asker, True
    else:
        if not can_ask_finder(item, by):
            raise NotAllowed(_("Only the finder who keeps this item can be written to."))
        if conversation is not None and conversation.asker_id != by.pk:
            raise NotAllowed()
        conversation, _created = Conversation.objects.get_or_create(item=item, asker=by)
        recipient, from_finder = item.finder, False
    message = Message.objects.create(conversation=conversation, from_finder=from_finder, body=text)
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=message.created_at)
    conversation.item = item
    message_notifier(conversation, action="message", recipients=[recipient], by=by)
    return message
