"""The DSL's workspace: the dashboard, triage, the case page and the chronologies.

These pages compose several apps (concerns, cases, safety plans, pupils' reports, the
chronology read model), so they sit above them; the writes and reads they call stay in
each app's services and selectors. Their URL names keep the ``cases:`` namespace.
"""
