"""Managers' pages: the categories (names, card/valuable flags, holding periods)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from logistics.workflow import DomainError, show_error
from lostfound import services
from lostfound.forms import CategoryForm
from lostfound.models import Category
from lostfound.views.common import nav_links, require


@login_required
@require_GET
def categories(request):
    require(request.user.is_manager)
    context = {"categories": Category.objects.all(), "links": nav_links(request.user)}
    return render(request, "lostfound/categories.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def category_edit(request, pk: int | None = None):
    require(request.user.is_manager)
    category = get_object_or_404(Category, pk=pk) if pk else Category()
    form = CategoryForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        try:
            services.category_save(category=form.instance, by=request.user)
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _("The category was saved."))
            return redirect("lostfound:categories")
    context = {"form": form, "category": category, "links": nav_links(request.user)}
    return render(
        request, "lostfound/category_form.html", context, status=400 if form.errors else 200
    )
