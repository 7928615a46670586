"""The weekly reports' pages, under /manage/reports/."""

from django.urls import path

from logistics.views import reports

app_name = "reports"

urlpatterns = [
    path("", reports.report_list, name="list"),
    path("<str:week>/", reports.report_detail, name="detail"),
    path("<str:week>/xlsx", reports.report_xlsx, name="xlsx"),
]
