"""The repairs pages: app_name "repairs", mounted at /repairs/."""

from django.urls import path

from repairs.views import actions, dispatch, figures, photos, qr, requester, workbench

app_name = "repairs"

ACTION_ROUTES = [
    ("cancel", "cancel"),
    ("confirm", "confirm"),
    ("rate", "rate"),
    ("reopen", "reopen"),
    ("accept", "accept"),
    ("reject", "reject"),
    ("assign", "assign"),
    ("start", "start"),
    ("hold", "hold"),
    ("resume", "resume"),
    ("hand-back", "hand_back"),
    ("complete", "complete"),
    ("close", "close"),
    ("comment", "comment"),
]

urlpatterns = [
    path("", requester.index, name="index"),
    path("mine/", requester.my_requests, name="mine"),
    path("new/", requester.create, name="create"),
    path("new/questions/", requester.create_questions, name="create-questions"),
    path("new/similar/", requester.similar, name="similar"),
    path("<int:pk>/", requester.detail, name="detail"),
    path("<int:pk>/follow/", requester.follow, name="follow"),
    path("<int:request_pk>/photos/<int:photo_pk>/", photos.photo, name="photo"),
    *(
        path(f"<int:pk>/{slug}/", actions.act, {"action": action}, name=slug)
        for slug, action in ACTION_ROUTES
    ),
    path("queue/", dispatch.queue, name="queue"),
    path("queue/assign/", dispatch.assign_bulk, name="assign-bulk"),
    path("workload/", dispatch.workload, name="workload"),
    path("workbench/", workbench.workbench, name="workbench"),
    path("qr/", qr.qr_index, name="qr-sheets"),
    path("qr/<int:building_pk>/", qr.qr_sheet, name="qr-sheet"),
    path("figures/", figures.figures, name="figures"),
    path("export/", figures.export_requests, name="export"),
]
