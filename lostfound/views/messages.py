"""Portal messages about an item its finder keeps: someone asking writes to the finder, the
finder sees each person's conversation (as "Person 1", "Person 2") and answers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from logistics.workflow import DomainError, show_error
from lostfound.forms import MessageForm
from lostfound.models import Conversation
from lostfound.services import messages as services
from lostfound.views.common import get_visible_item, nav_links, require


@login_required
@require_http_methods(["GET", "POST"])
def item_messages(request, pk: int):
    """The finder: the conversations about their item. Anyone else: their own conversation
    with the finder, and the form to write."""
    item = get_visible_item(request.user, pk)
    if item.finder_id == request.user.pk:
        conversations = (
            Conversation.objects.filter(item=item)
            .annotate(count=Count("messages"))
            .order_by("created_at", "id")
        )
        context = {"item": item, "conversations": conversations, "links": nav_links(request.user)}
        return render(request, "lostfound/conversations.html", context)
    conversation = Conversation.objects.filter(item=item, asker=request.user).first()
    if conversation is None:
        require(services.can_ask_finder(item, request.user))
    return _thread(request, item, conversation)


@login_required
@require_http_methods(["GET", "POST"])
def conversation(request, pk: int, conversation_pk: int):
    item = get_visible_item(request.user, pk)
    found = get_object_or_404(
        Conversation.objects.filter(item=item).filter(
            Q(asker=request.user) | Q(item__finder=request.user)
        ),
        pk=conversation_pk,
    )
    return _thread(request, item, found)


def _thread(request, item, conversation):
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sent = services.message_send(
                item=item,
                by=request.user,
                body=form.cleaned_data["body"],
                conversation=conversation,
            )
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _("Message sent."))
            return redirect(sent.conversation.get_absolute_url())
    is_finder = item.finder_id == request.user.pk
    rows = list(conversation.messages.all()) if conversation else []
    context = {
        "item": item,
        "conversation": conversation,
        "thread": [{"mine": m.from_finder == is_finder, "message": m} for m in rows],
        "is_finder": is_finder,
        "form": form,
        "links": nav_links(request.user),
    }
    status = 400 if form.errors else 200
    return render(request, "lostfound/conversation.html", context, status=status)
