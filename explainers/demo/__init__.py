"""Demo content for `manage.py load_demo`: invented news in Japanese and English."""
