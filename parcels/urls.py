"""Pages of the parcels system (not routed until it has pages)."""

app_name = "parcels"
urlpatterns: list = []
