"""Security-relevant cloud changes raise alerts."""

from __future__ import annotations

from annexa.monitoring.families import OcsfTopicTest


class OcsfMonitoringAlerts(OcsfTopicTest):
    """Passes when every OCSF finding of the known alerting checks passed. Fails when any of
    them failed; the resources of the failed findings are listed. Not applicable when the
    evidence holds no such finding (MANUAL and MUTED results are not counted)."""

    id = "ocsf_monitoring_alerts"
    title = "Security-relevant cloud changes raise alerts"
    control_ids = ("A.8.16",)
    severity = "medium"
    topic = "monitoring_alerts"
    remediation = (
        "Create alarms for root use, failed sign-ins, policy and network changes, routed to "
        "the team that responds."
    )
