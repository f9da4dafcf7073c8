"""The old name of `manage.py purge_personal_data`, kept for timers and crontabs that call it."""

from readers.management.commands.purge_personal_data import Command as PurgePersonalData


class Command(PurgePersonalData):
    help = "The old name of purge_personal_data: " + PurgePersonalData.help
