from django.contrib.auth import views as auth_views
from django.urls import path

from clearcrm.web.views import (
    customers,
    dashboard,
    emails,
    kanban,
    lead,
    leads,
    notes,
    notifications,
    profile,
    search,
    tasks,
    theme,
)

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", dashboard.dashboard, name="home"),
    path("theme.css", theme.theme_css, name="theme_css"),
    # Pages without the icon link (the admin's) make browsers ask for /favicon.ico.
    path("favicon.ico", theme.favicon, name="favicon"),
    path("search/", search.search, name="search"),
    # Leads: the table, the kanban, one lead.
    path("leads/", leads.lead_list, name="leads"),
    path("leads/new/", leads.lead_new, name="lead_new"),
    path("leads/export.csv", leads.lead_export, name="leads_export"),
    path("leads/bulk/", leads.lead_bulk, name="leads_bulk"),
    path("leads/kanban/", kanban.kanban, name="kanban"),
    path("leads/kanban/<int:status>/", kanban.kanban_column, name="kanban_column"),
    path("leads/<int:pk>/", lead.lead_detail, name="lead"),
    path("leads/<int:pk>/edit/", lead.lead_edit, name="lead_edit"),
    path("leads/<int:pk>/status/", lead.lead_status, name="lead_status"),
    path("leads/<int:pk>/move/", kanban.lead_move, name="lead_move"),
    path("leads/<int:pk>/assign/", lead.lead_assign, name="lead_assign"),
    path("leads/<int:pk>/flag/<str:flag>/", lead.lead_flag, name="lead_flag"),
    path("leads/<int:pk>/convert/", lead.lead_convert, name="lead_convert"),
    path("leads/<int:pk>/delete/", lead.lead_delete, name="lead_delete"),
    path("leads/<int:pk>/tasks/", lead.lead_task_add, name="lead_task_add"),
    path("leads/<int:pk>/notes/", notes.lead_note_add, name="lead_note_add"),
    # A lead's emails and files.
    path("emails/<int:pk>/", emails.email_body, name="email_body"),
    path("emails/<int:pk>/html/", emails.email_html, name="email_html"),
    path("emails/<int:pk>/original/", emails.email_raw, name="email_raw"),
    path("emails/<int:pk>/trust-sender/", emails.trust_sender, name="email_trust_sender"),
    path("files/<int:pk>/", emails.attachment, name="attachment"),
    path("notes/<int:pk>/edit/", notes.note_edit, name="note_edit"),
    path("notes/<int:pk>/delete/", notes.note_delete, name="note_delete"),
    # Customers.
    path("customers/", customers.customer_list, name="customers"),
    path("customers/<int:pk>/", customers.customer_detail, name="customer"),
    path("customers/<int:pk>/contacts/", customers.contact_add, name="contact_add"),
    path("customers/<int:pk>/notes/", notes.customer_note_add, name="customer_note_add"),
    path("contacts/<int:pk>/edit/", customers.contact_edit, name="contact_edit"),
    # Tasks.
    path("tasks/", tasks.task_list, name="tasks"),
    path("tasks/<int:pk>/", tasks.task_detail, name="task"),
    path("tasks/<int:pk>/status/", tasks.task_status, name="task_status"),
    path("tasks/<int:pk>/comments/", tasks.task_comment, name="task_comment"),
    path("tasks/<int:pk>/files/", tasks.task_upload, name="task_upload"),
    # Notifications and the user's own profile.
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/menu/", notifications.notification_menu, name="notifications_menu"),
    path("notifications/read/", notifications.notification_read, name="notifications_read"),
    path("notifications/<int:pk>/", notifications.notification_open, name="notification"),
    path("profile/", profile.profile, name="profile"),
    path("profile/password/", profile.PasswordChange.as_view(), name="password_change"),
    path("profile/images/forget/", profile.forget_image_sender, name="forget_image_sender"),
]
