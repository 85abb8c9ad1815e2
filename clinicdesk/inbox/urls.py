from django.urls import path

from clinicdesk.inbox import item_views, phone_views, setup_views, views

app_name = "inbox"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("all/", views.all_open, name="all"),
    path("pools/<slug:key>/", views.pool_view, name="pool"),
    path("count/", views.count, name="count"),
    path("bulk/", views.bulk, name="bulk"),
    path("phone/", phone_views.phone_new, name="phone"),
    path("phone/callers/", phone_views.callers, name="callers"),
    path("<int:item_id>/", item_views.detail, name="detail"),
    path("<int:item_id>/status/", item_views.set_status, name="status"),
    path("<int:item_id>/comment/", item_views.comment, name="comment"),
    path("<int:item_id>/reassign/", item_views.reassign, name="reassign"),
    path("<int:item_id>/attachments/", item_views.attach, name="attach"),
    path("attachments/<int:attachment_id>/", item_views.download, name="download"),
    path("setup/rules/", setup_views.rules, name="rules"),
    path("setup/rules/new/", setup_views.rule_edit, name="rule_new"),
    path("setup/rules/<int:rule_id>/", setup_views.rule_edit, name="rule_edit"),
    path("setup/rules/<int:rule_id>/move/<str:direction>/", setup_views.rule_move_view, name="rule_move"),
    path("setup/rules/<int:rule_id>/active/", setup_views.rule_active_view, name="rule_active"),
    path("setup/pools/", setup_views.pools, name="pools"),
    path("setup/pools/new/", setup_views.pool_edit, name="pool_new"),
    path("setup/pools/<int:pool_id>/", setup_views.pool_edit, name="pool_edit"),
    path("setup/absences/", setup_views.absences, name="absences"),
    path("setup/absences/<int:absence_id>/", setup_views.absences, name="absence_edit"),
    path("setup/absences/<int:absence_id>/end/", setup_views.absence_end_view, name="absence_end"),
    path("setup/on-call/", setup_views.on_call, name="on_call"),
    path("setup/on-call/<int:span_id>/", setup_views.on_call, name="on_call_edit"),
    path("setup/on-call/<int:span_id>/end/", setup_views.on_call_end_view, name="on_call_end"),
]
