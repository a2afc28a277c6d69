# API tokens move from DRF's authtoken (the token's text in the database) to django-rest-knox
# (a SHA-512 digest with an expiry). Existing tokens keep working: each is carried over hashed,
# valid TRACKER_API_TOKEN_DAYS from now; then DRF's table, and its plaintext, is dropped.

import datetime

from django.conf import settings
from django.db import migrations
from django.utils import timezone
from django.utils.dateparse import parse_datetime

DRF_TABLE = "authtoken_token"


def hash_drf_tokens(apps, schema_editor):
    """Carries each DRF token (a 40-character key) over as a knox token with the same text, then
    drops DRF's table and forgets its migrations. Nothing to do on a database that never had it."""
    from knox.crypto import hash_token
    from knox.settings import CONSTANTS

    connection = schema_editor.connection
    if DRF_TABLE not in connection.introspection.table_names():
        return
    AuthToken = apps.get_model("knox", "AuthToken")
    expiry = timezone.now() + datetime.timedelta(days=settings.TRACKER_API_TOKEN_DAYS)
    quote = schema_editor.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote('key')}, {quote('user_id')}, {quote('created')} FROM {quote(DRF_TABLE)}")
        rows = cursor.fetchall()
    for key, user_id, created in rows:
        if isinstance(created, str):  # SQLite without converters
            created = parse_datetime(created)
        if created is not None and timezone.is_naive(created):  # Django keeps UTC in SQLite
            created = created.replace(tzinfo=datetime.timezone.utc)
        digest = hash_token(key)
        AuthToken(digest=digest, token_key=key[:CONSTANTS.TOKEN_KEY_LENGTH], user_id=user_id,
                  expiry=expiry).save(force_insert=True)
        if created is not None:  # auto_now_add set it to now
            AuthToken._base_manager.filter(digest=digest).update(created=created)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {quote(DRF_TABLE)}")
        cursor.execute(f"DELETE FROM {quote('django_migrations')} WHERE {quote('app')} = %s", ["authtoken"])


class Migration(migrations.Migration):

    dependencies = [
        ('knox', '0009_extend_authtoken_field'),
        ('projects', '0007_bulletinentry_forecast'),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiToken',
            fields=[
            ],
            options={
                'verbose_name': 'API token',
                'verbose_name_plural': 'API tokens',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('knox.authtoken',),
        ),
        # Irreversible in substance (a digest gives no token back); going back leaves the knox tokens.
        migrations.RunPython(hash_drf_tokens, migrations.RunPython.noop),
    ]
