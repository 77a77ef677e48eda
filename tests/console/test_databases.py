"""The console's databases page: where the tenants are, and how big they are."""

import pytest

pytestmark = pytest.mark.django_db(databases="__all__")


def test_the_console_shows_each_database_with_its_tenants_and_size(make_tenant, console):
    make_tenant("sized-a")
    make_tenant("sized-b", database_alias="dedicated")
    make_tenant("sized-c", database_alias="dedicated")
    page = console.get("/databases/")
    assert page.status_code == 200
    body = page.content.decode()
    assert '<tr data-alias="dedicated">' in body
    row = body.split('<tr data-alias="dedicated">')[1].split("</tr>")[0]
    assert '<td class="num tenants">2</td>' in row
    assert any(unit in row for unit in ("KB", "MB")), row  # the schemas' size, read from the database
