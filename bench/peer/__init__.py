"""The django-helpdesk peer of the application benchmark: its Django project (peerdesk), loader and runner.

The scripts run under the peer's own virtual environment (bench/peer/.venv, made by setup.sh); see the section
"Side by side with django-helpdesk" of bench/README.md.
"""
