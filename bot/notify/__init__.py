"""Notifications: rules → targets → channels (Slack, PagerDuty, email, Teams, webhooks), each a
deduplicated row, retried with backoff, rate limited, snoozable. See ``delivery.Notifier``."""
