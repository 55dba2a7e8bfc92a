"""A minimal Django project around django-helpdesk 2.6.1, the peer of Kefu's application benchmark."""
