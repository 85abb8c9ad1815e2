"""clinicdesk: the open-source front office for medical practices."""
