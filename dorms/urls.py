"""Pages of the dorms system (not routed until it has pages)."""

app_name = "dorms"
urlpatterns: list = []
