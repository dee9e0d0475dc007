from django.urls import path

from . import views
from . import views_fieldwork as fieldwork

app_name = "policing"

urlpatterns = [
    # Forces (issue 3): people, assignments, coverage
    path("people/", views.people, name="people"),
    path("people/new/", views.person_edit, name="person_create"),
    path("people/export/", views.people_export, name="people_export"),
    path("people/import/", views.people_import, name="people_import"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("assignments/", views.assignments, name="assignments"),
    path("assignments/new/", views.assignment_create, name="assignment_create"),
    path("assignments/export/", views.assignments_export, name="assignments_export"),
    path("assignments/import/", views.assignments_import, name="assignments_import"),
    path(
        "assignments/<int:pk>/handover/",
        views.assignment_handover,
        name="assignment_handover",
    ),
    path("assignments/<int:pk>/end/", views.assignment_end, name="assignment_end"),
    path("coverage/", views.coverage, name="coverage"),
    # End of forces
]

# --- Field work (issue 8): activities, hazards, time, volunteers -------------
urlpatterns += [
    path("activities/", fieldwork.activity_list, name="activities"),
    path("activities/new/", fieldwork.activity_create, name="activity_create"),
    path("activities/<int:pk>/", fieldwork.activity_detail, name="activity"),
    path(
        "activities/photos/<int:pk>/", fieldwork.activity_photo, name="activity_photo"
    ),
    path(
        "grids/<int:grid_id>/activities/",
        fieldwork.grid_activities,
        name="grid_activities",
    ),
    path("hazards/", fieldwork.hazard_list, name="hazards"),
    path("hazards/new/", fieldwork.hazard_create, name="hazard_create"),
    path("hazards/<int:pk>/", fieldwork.hazard_detail, name="hazard"),
    path("hazards/<int:pk>/fix/", fieldwork.hazard_fix, name="hazard_fix"),
    path("hazards/<int:pk>/verify/", fieldwork.hazard_verify, name="hazard_verify"),
    path("time/", fieldwork.time_shares, name="time_shares"),
    path("time/entries/", fieldwork.time_entry_list, name="time_entries"),
    path("time/entries/new/", fieldwork.time_entry_create, name="time_entry_create"),
    path("volunteers/", fieldwork.volunteers, name="volunteers"),
]
# --- end field work ----------------------------------------------------------
