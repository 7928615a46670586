"""/api/v1/reviews/: reviews, complaints (with actions) and satisfaction indices."""

from rest_framework.routers import DefaultRouter

from reviews.api import views as reviews
from reviews.complaints import api as complaints
from reviews.indices import api as indices

app_name = "reviews-api"

router = DefaultRouter(trailing_slash=True)
reviews.register(router)
complaints.register(router)
indices.register(router)

urlpatterns = router.urls
