from django.urls import path

from clinicdesk.scheduling import setup_views as views

app_name = "schedule_setup"
urlpatterns = [  # availability setup for managers (types, resources, weekly templates, exceptions)
    path("", views.overview, name="overview"),
    path("types/new/", views.type_edit, name="type_new"),
    path("types/<int:pk>/", views.type_edit, name="type_edit"),
    path("types/<int:type_pk>/requirements/new/", views.requirement_edit, name="requirement_new"),
    path("requirements/<int:pk>/", views.requirement_edit, name="requirement_edit"),
    path("requirements/<int:pk>/delete/", views.requirement_delete, name="requirement_delete"),
    path("resources/new/", views.resource_edit, name="resource_new"),
    path("resources/bookable/", views.resource_bookable, name="resource_bookable"),
    path("resources/<int:pk>/", views.resource_edit, name="resource_edit"),
    path("resources/<int:pk>/template/", views.template, name="template"),
    path("resources/<int:resource_pk>/blocks/new/", views.block_edit, name="block_new"),
    path("blocks/<int:pk>/", views.block_edit, name="block_edit"),
    path("blocks/<int:pk>/delete/", views.block_delete, name="block_delete"),
    path("resources/<int:resource_pk>/exceptions/new/", views.exception_edit, name="exception_new"),
    path("exceptions/<int:pk>/", views.exception_edit, name="exception_edit"),
    path("exceptions/<int:pk>/delete/", views.exception_delete, name="exception_delete"),
]
