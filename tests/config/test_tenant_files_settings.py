"""Settings choose the tenant files' backend: the file system (dev, tests) or S3 (production)."""

from tests.config.test_settings_modules import PROD_ENV, run_prod

SHOW_FILES = (
    "import django; django.setup(); from django.core.files.storage import storages; "
    "s = storages['default']; b = s.backend; "
    "print(type(s).__name__, type(b).__module__ + '.' + type(b).__name__, "
    "getattr(b, 'bucket_name', None), getattr(b, 'endpoint_url', None), "
    "getattr(b, 'default_acl', None), getattr(b, 'querystring_auth', None))"
)
S3 = {"TENANT_FILES_BACKEND": "s3", "TENANT_FILES_S3_BUCKET": "tenantry-files",
      "TENANT_FILES_S3_ENDPOINT_URL": "https://s3.eu.example.net"}


def test_the_file_system_is_the_default():
    result = run_prod(PROD_ENV, SHOW_FILES)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["TenantStorage", "django.core.files.storage.filesystem.FileSystemStorage"]


def test_production_uses_s3_private_objects_under_the_same_tenant_storage():
    result = run_prod({**PROD_ENV, **S3}, SHOW_FILES)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["TenantStorage", "storages.backends.s3.S3Storage", "tenantry-files",
                                     "https://s3.eu.example.net", "private", "True"]


def test_s3_without_a_bucket_names_the_missing_variable():
    result = run_prod({**PROD_ENV, "TENANT_FILES_BACKEND": "s3"}, SHOW_FILES)
    assert result.returncode != 0 and "TENANT_FILES_S3_BUCKET" in result.stderr


def test_nginx_hand_off_needs_the_file_system_and_unknown_backends_are_refused():
    result = run_prod({**PROD_ENV, **S3, "TENANT_FILES_X_ACCEL_REDIRECT": "/_tenant_files/"}, SHOW_FILES)
    assert result.returncode != 0
    assert "TENANT_FILES_X_ACCEL_REDIRECT needs TENANT_FILES_BACKEND=filesystem" in result.stderr
    result = run_prod({**PROD_ENV, "TENANT_FILES_BACKEND": "ftp"}, SHOW_FILES)
    assert result.returncode != 0 and "TENANT_FILES_BACKEND='ftp': use filesystem or s3" in result.stderr
