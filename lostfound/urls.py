"""Pages of the lost-and-found system (not routed until it has pages)."""

app_name = "lostfound"
urlpatterns: list = []
