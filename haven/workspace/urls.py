from django.urls import path

from . import case_views as case
from . import police_views as police
from . import views

app_name = "cases"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("triage/<reference:reference>/", views.triage, name="triage"),
    # One case: its summary, its sections, and one address for each change (haven/workspace/case_views.py).
    path("<reference:reference>/", case.case_detail, name="detail"),
    path("<reference:reference>/concerns/", case.case_concerns, name="concerns"),
    path("<reference:reference>/considerations/", case.case_considerations, name="considerations"),
    path("<reference:reference>/considerations/<slug:item>/", case.consideration_answer, name="consideration"),
    path("<reference:reference>/decisions/", case.case_decisions, name="decisions"),
    path("<reference:reference>/decisions/new/", case.decision_new, name="decision_new"),
    path("<reference:reference>/parents/new/", case.parents_new, name="parents_new"),
    path("<reference:reference>/referrals/new/", case.referral_new, name="referral_new"),
    path("<reference:reference>/referrals/<id:referral_id>/outcome/", case.referral_outcome, name="outcome"),
    path("<reference:reference>/police/", police.case_police, name="police"),
    path("<reference:reference>/police/new/", police.police_new, name="police_new"),
    path("<reference:reference>/police/bail/new/", police.bail_new, name="bail_new"),
    path("<reference:reference>/police/bail/<id:bail_id>/vary/", police.bail_vary, name="bail_vary"),
    path("<reference:reference>/police/bail/<id:bail_id>/end/", police.bail_end, name="bail_end"),
    path("<reference:reference>/police/charge/new/", police.charge_new, name="charge_new"),
    path("<reference:reference>/police/court/new/", police.court_new, name="court_new"),
    path("<reference:reference>/support/", case.case_support, name="support"),
    path("<reference:reference>/support/new/", case.support_new, name="support_new"),
    path("<reference:reference>/sanctions/new/", case.sanction_new, name="sanction_new"),
    path("<reference:reference>/plans/", case.case_plans, name="plans"),
    path("<reference:reference>/tasks/", case.case_tasks, name="tasks"),
    path("<reference:reference>/tasks/new/", case.task_new, name="task_new"),
    path("<reference:reference>/tasks/<id:task_id>/done/", case.task_done, name="task_done"),
    path("<reference:reference>/access/", case.case_access, name="access"),
    path("<reference:reference>/access/change/", case.access_change, name="access_change"),
    path("<reference:reference>/children/new/", case.child_new, name="child_new"),
    path("<reference:reference>/close/", case.case_close, name="close"),
    path("<reference:reference>/reopen/", case.case_reopen, name="reopen"),
    path("<reference:reference>/chronology/", views.case_chronology, name="chronology"),
    path("<reference:reference>/chronology.pdf", views.case_chronology_pdf, name="chronology_pdf"),
]
