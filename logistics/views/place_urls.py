"""Campus place pages: CSV/XLSX import of buildings and rooms."""

app_name = "places"
urlpatterns: list = []
