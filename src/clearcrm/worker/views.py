"""GET /health/ for load balancers and monitoring: no login, no details."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from clearcrm.worker.status import reachable


@require_GET
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """200 when the database and the queue answer, else 503; names no mailbox or host."""
    parts = reachable()
    ok = all(parts.values())
    body = {"status": "ok" if ok else "unavailable"}
    body.update({name: "ok" if up else "unreachable" for name, up in parts.items()})
    return JsonResponse(body, status=200 if ok else 503)
