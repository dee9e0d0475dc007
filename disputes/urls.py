from django.urls import path

from . import views

app_name = "disputes"

urlpatterns = [
    path("", views.dispute_list, name="list"),
    path("new/", views.intake_view, name="intake"),
    path("my-work/", views.my_work, name="my_work"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notification_read, name="notifications_read_all"),
    path(
        "notifications/<int:pk>/read/",
        views.notification_read,
        name="notification_read",
    ),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/attachments/", views.add_attachments, name="add_attachments"),
    path("<int:pk>/<slug:slug>/", views.act, name="act"),
]
