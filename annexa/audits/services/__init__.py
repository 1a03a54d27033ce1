"""Every state change of the audits app, one module per concept.

``programme`` (programmes, milestones, gap reasons, approval), ``planner`` (proposing audits),
``coverage`` (the requirement/control × audit matrix), ``audits`` (audit CRUD, scope, status),
``scope`` (the scope's data shape), ``next_cycle`` (copying an audit into the next programme),
``independence`` (team, conflicts, overrides, requirement owners), ``export`` (iCalendar and
XLSX) and ``feeds`` (the calendar feed token); the checklist, fieldwork, sampling and request
modules build on them. Each function takes an ``OrgContext`` first, checks the permission
itself, validates (a ``ValidationError`` whose messages name the field) and writes the ledger in
the same transaction. Import the module you need: ``from annexa.audits.services import audits``.
"""
