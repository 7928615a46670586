"""/api/docs/ in a real browser: Swagger UI renders the schema under the portal's CSP."""

import pytest

# serialized_rollback: the flush after the test must not take the roles (groups) with it.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_it_renders_swagger_ui_without_csp_violations(page):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/api/docs/")
    page.locator(".swagger-ui .opblock-summary-path").first.wait_for()
    paths = page.locator(".swagger-ui .opblock-summary-path").all_inner_texts()
    assert any("/api/v1/places/buildings/" in p for p in paths)
    assert page.csp_violations == []
    # Everything comes from the portal itself: no CDN.
    base = page.url.split("/api/docs/")[0]
    assert requests and all(url.startswith(base) for url in requests), requests
