"""Source strings with two meanings carry a context, so each place reads right in Chinese
(#12 item 4): the dish's price history, the complaint's "what was done", the campus index."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from dining.models import PriceIndexPoint
from reviews.complaints.forms import ResolveForm
from tests.dining.factories import CanteenFactory, DishFactory, PriceChangeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chinese(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    return client


def test_it_heads_the_price_history_with_old_and_new_price_not_dates(chinese):
    dish = DishFactory(price=Decimal("12.50"))
    PriceChangeFactory(dish=dish, old_price=Decimal("12.00"), new_price=Decimal("12.50"))
    html = chinese.get(dish.get_absolute_url()).text
    assert '<th scope="col">原价</th><th scope="col">新价</th>' in html
    assert "开始日期" not in html and "结束日期" not in html


def test_it_labels_the_complaint_resolution_box_as_a_resolution_not_a_repair():
    with translation.override("zh-hans"):
        assert str(ResolveForm().fields["note"].label) == "处理结果"
        # The repair's own "What was done" stays the repair's.
        assert translation.gettext("What was done") == "维修内容"


def test_it_names_the_every_canteen_index_the_whole_campus(chinese):
    PriceIndexPoint.objects.create(
        date=timezone.localdate() - datetime.timedelta(days=1), canteen=None, value=Decimal("101")
    )
    CanteenFactory()
    html = chinese.get(reverse("dining:price-index")).text
    assert "全校" in html and "校园信息" not in html
    with translation.override("zh-hans"):
        assert translation.gettext("Campus") == "校区"
