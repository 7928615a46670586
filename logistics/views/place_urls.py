"""Campus place pages: CSV/XLSX import of buildings and rooms."""

from django.urls import path

from logistics.views import places

app_name = "places"
urlpatterns = [
    path("import/", places.place_import_page, name="import"),
    path(
        "import/template/<slug:kind>.csv",
        places.place_import_template,
        name="import-template",
    ),
]
