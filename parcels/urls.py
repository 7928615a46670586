"""Pages of the parcels system: app_name "parcels", mounted at /parcels/."""

from django.urls import path

from parcels.views import ageing, counter, delivery, manage, manifest, recipient

app_name = "parcels"

urlpatterns = [
    path("", recipient.index, name="index"),
    path("mine/", recipient.mine, name="mine"),
    path("mine/qr/", recipient.my_qr, name="qr"),
    path("proxies/", recipient.proxies, name="proxies"),
    path("preference/", delivery.preference, name="preference"),
    path("<int:pk>/", recipient.detail, name="detail"),
    path("peak/", manage.peak, name="peak"),
    path("peak/export/", manage.peak_export, name="peak-export"),
    path("stations/", counter.stations, name="stations"),
    path("stations/<int:station_pk>/scan/", counter.scan, name="scan"),
    path("stations/<int:station_pk>/parcels/", counter.waiting, name="waiting"),
    path("stations/<int:station_pk>/unknown/", counter.unknown, name="unknown"),
    path("stations/<int:station_pk>/manifest/", manifest.manifest_import, name="manifest"),
    path(
        "stations/<int:station_pk>/manifest/template.<str:file_format>",
        manifest.manifest_template,
        name="manifest-template",
    ),
    path("stations/<int:station_pk>/pickup/", counter.pickup_counter, name="pickup"),
    path("stations/<int:station_pk>/overdue/", ageing.overdue, name="overdue"),
    path("stations/<int:station_pk>/returns/", ageing.return_list, name="returns"),
    path("stations/<int:station_pk>/parcels/<int:pk>/move/", ageing.move, name="move"),
    path("stations/<int:station_pk>/deliveries/", delivery.run, name="delivery-run"),
    path(
        "stations/<int:station_pk>/parcels/<int:pk>/undeliverable/",
        delivery.undeliverable,
        name="undeliverable",
    ),
    path(
        "stations/<int:station_pk>/parcels/<int:pk>/carrier/",
        counter.set_carrier,
        name="set-carrier",
    ),
]
