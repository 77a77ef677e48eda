"""The platform console: thin views over ``tenants.selectors`` and ``tenants.services``."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import DatabaseError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit import selectors as audit_selectors
from operations import mobility as operation_kinds
from operations import services as operation_services
from audit.services import audit_pending_count
from controlplane.console.forms import DomainAttachForm, TenantCreateForm, TenantDeleteForm, TenantFilterForm
from controlplane.console.slugs import slug_suggest
from tenants import invites, selectors, services
from tenancy.hosts import tenant_host, tenant_url
from tenants.models import Tenant
from tenants.placement import tenant_database_aliases

logger = logging.getLogger(__name__)
PAGE_SIZE = 25


CONSOLE_EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"


def _emails_printed() -> bool:
    """Development: e-mails go to the terminal that runs the server, not to a mailbox."""
    return settings.EMAIL_BACKEND == CONSOLE_EMAIL_BACKEND


class ConsoleLoginView(auth_views.LoginView):
    def get_context_data(self, **kwargs):
        # In development, say where the demo sign-ins are (``make dev`` prints them).
        from controlplane.demo import DEMO_PASSWORD, PLATFORM_ADMIN

        return super().get_context_data(development=settings.DEBUG, demo_user=PLATFORM_ADMIN,
                                        demo_password=DEMO_PASSWORD, **kwargs)


def console_view(permission: str):
    """Staff of the platform only (others go to sign-in), holding ``permission`` (else 403)."""

    def decorate(view):
        view = permission_required(permission, raise_exception=True)(view)
        return staff_member_required(view, login_url="console:login")

    return decorate


def _page(request, template: str, context: dict, *, section: str = "tenants", status: int = 200):
    can_audit = request.user.has_perm("audit.view_auditevent")
    return render(request, template, {**context, "section": section, "audit_enabled": can_audit},
                  status=status)


def _tenant_or_404(slug: str) -> Tenant:
    try:
        return selectors.tenant_get(slug=slug)
    except Tenant.DoesNotExist:
        raise Http404(f"No tenant {slug!r}.") from None


@console_view("tenants.view_tenant")
@require_GET
def tenant_list(request):
    filters = TenantFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    tenants = selectors.tenant_list(
        search=criteria.get("q", ""),
        status=criteria.get("status", ""),
        database_alias=criteria.get("alias", ""),
    )
    page = Paginator(tenants, PAGE_SIZE).get_page(request.GET.get("page"))
    sizes = selectors.tenant_sizes(tenants=page.object_list)
    rows = [{"tenant": t, "url": tenant_url(t), "size": sizes.get(t.pk)} for t in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return _page(request, "console/tenant_list.html", {
        "filters": filters, "page": page, "rows": rows, "query": query.urlencode(),
        "filtered": any(criteria.values()),
    })


@console_view("tenants.add_tenant")
@require_http_methods(["GET", "POST"])
def tenant_create(request):
    form = TenantCreateForm(request.POST or None, initial={"database_alias": settings.TENANT_DB_ALIAS})
    failed = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            provisioned = services.tenant_create(
                slug=data["slug"], name=data["name"], plan=data["plan"],
                database_alias=data["database_alias"], admin_email=data["admin_email"],
            )
        except ValidationError as error:
            form.add_service_error(error)
        except DatabaseError as error:  # the service rolled everything back; say so, keep the input
            logger.exception("provisioning tenant %s failed", data["slug"])
            form.add_error(None, f"Provisioning failed and was rolled back, nothing was created: {error}")
            failed = True
        else:
            tenant = provisioned.tenant
            if provisioned.invite_error:
                messages.warning(request, f"{tenant.name} is live at {tenant_url(tenant)}/, but the invite "
                                          f"e-mail to {data['admin_email']} could not be sent: "
                                          f"{provisioned.invite_error}")
            else:
                printed = (" (development: the e-mail, with its link, was printed to the terminal "
                           "running the server)") if _emails_printed() else ""
                messages.success(
                    request,
                    f"{tenant.name} is live at {tenant_url(tenant)}/ — an invite to set a password "
                    f"is on its way to {data['admin_email']}{printed}.",
                )
            return redirect("console:tenant-detail", slug=tenant.slug)
    return _page(request, "console/tenant_form.html", {
        "form": form, "base_domain": settings.BASE_DOMAIN,
    }, section="create", status=500 if failed else 400 if form.errors else 200)


@console_view("tenants.add_tenant")
@require_GET
def slug_check(request):
    """``?slug=`` checks a slug, ``?name=`` suggests one first: ``{slug, ok, message}``."""
    slug = request.GET.get("slug")
    slug = slug_suggest(name=request.GET.get("name", "")) if slug is None else slug.strip()
    try:
        services.tenant_slug_validate(slug=slug)
    except ValidationError as error:
        return JsonResponse({"slug": slug, "ok": False, "message": " ".join(error.messages)})
    return JsonResponse({"slug": slug, "ok": True, "message": f"{tenant_host(slug)} is available."})


@console_view("tenants.view_tenant")
@require_GET
def tenant_detail(request, slug):
    tenant = _tenant_or_404(slug)
    return _render_detail(request, tenant, DomainAttachForm())


def _render_detail(request, tenant, domain_form, status=200, invite_link=None):
    size = selectors.tenant_sizes(tenants=[tenant]).get(tenant.pk)
    try:
        pending_invite = invites.invite_pending(tenant=tenant)
    except DatabaseError as error:  # a broken schema must not hide the rest of the page
        logger.warning("pending invite of tenant %s unavailable: %s", tenant.slug, error)
        pending_invite = None
    return _page(request, "console/tenant_detail.html", {
        "tenant": tenant, "url": tenant_url(tenant), "size": size,
        "move_targets": [alias for alias in tenant_database_aliases() if alias != tenant.database_alias],
        "domains": tenant.domains.order_by("-is_primary", "domain"), "domain_form": domain_form,
        "own_host": tenant_host(tenant.slug), "pending_invite": pending_invite,
        "invite_link": invite_link,
    }, status=status)


STATUS_ACTIONS = {
    "suspend": (services.tenant_suspend, Tenant.Status.SUSPENDED, "suspended"),
    "resume": (services.tenant_resume, Tenant.Status.ACTIVE, "resumed"),
}


@console_view("tenants.change_tenant")
@require_http_methods(["GET", "POST"])
def tenant_status(request, slug, action):
    tenant = _tenant_or_404(slug)
    service, target, done = STATUS_ACTIONS[action]
    if request.method == "POST":
        if tenant.status == target:
            messages.info(request, f"{tenant.name} is already {tenant.get_status_display().lower()}.")
        else:
            service(tenant=tenant)
            messages.success(request, f"{tenant.name} is {done}.")
        return redirect("console:tenant-detail", slug=tenant.slug)
    return _page(request, "console/tenant_status.html", {
        "tenant": tenant, "action": action, "url": tenant_url(tenant),
    })


@console_view("tenants.change_tenant")
@require_POST
def domain_attach(request, slug):
    tenant = _tenant_or_404(slug)
    form = DomainAttachForm(request.POST)
    if form.is_valid():
        try:
            domain = services.domain_attach(tenant=tenant, domain=form.cleaned_data["domain"])
        except ValidationError as error:
            form.add_error("domain", error)
        else:
            messages.success(request, f"{domain.domain} now serves {tenant.name}. "
                                      "Point its DNS at the platform to go live.")
            return redirect("console:tenant-detail", slug=tenant.slug)
    return _render_detail(request, tenant, form, status=400)


DOMAIN_ACTIONS = {
    "detach": (services.domain_detach, "{domain} no longer serves {name}."),
    "make_primary": (services.domain_make_primary, "{domain} is now the primary domain of {name}."),
}


def _domain_action(request, slug: str, action: str):
    tenant = _tenant_or_404(slug)
    service, done = DOMAIN_ACTIONS[action]
    domain = request.POST.get("domain", "")
    try:
        service(tenant=tenant, domain=domain)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done.format(domain=domain, name=tenant.name))
    return redirect("console:tenant-detail", slug=tenant.slug)


@console_view("tenants.change_tenant")
@require_POST
def domain_detach(request, slug):
    return _domain_action(request, slug, "detach")


@console_view("tenants.change_tenant")
@require_POST
def domain_make_primary(request, slug):
    return _domain_action(request, slug, "make_primary")


@console_view("tenants.change_tenant")
@require_POST
def invite_resend(request, slug):
    tenant = _tenant_or_404(slug)
    try:
        pending = invites.invite_resend(tenant=tenant)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except OSError as error:  # smtplib's errors are OSErrors: the link is still valid, say so
        logger.exception("invite e-mail for tenant %s failed", tenant.slug)
        messages.error(request, f"The invite e-mail could not be sent: {error}. "
                                "Copy the invite link and send it another way.")
    else:
        printed = " (development: printed to the terminal running the server)" if _emails_printed() else ""
        messages.success(request, f"A new invite was sent to {pending.email}{printed}.")
    return redirect("console:tenant-detail", slug=tenant.slug)


@console_view("tenants.change_tenant")
@require_POST
def invite_link_copy(request, slug):
    """Shows a fresh set-password link on the tenant's page (no redirect: it is not stored)."""
    tenant = _tenant_or_404(slug)
    try:
        link = invites.invite_link_copy(tenant=tenant)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("console:tenant-detail", slug=tenant.slug)
    return _render_detail(request, tenant, DomainAttachForm(), invite_link=link)


@console_view("tenants.delete_tenant")
@require_http_methods(["GET", "POST"])
def tenant_delete(request, slug):
    tenant = _tenant_or_404(slug)
    form = TenantDeleteForm(request.POST or None, tenant=tenant)
    if request.method == "POST" and form.is_valid():
        services.tenant_delete(tenant=tenant)
        messages.success(request, f"{tenant.name} ({tenant.slug}) and all its data are deleted.")
        return redirect("console:tenant-list")
    return _page(request, "console/tenant_delete.html", {"tenant": tenant, "form": form},
                 status=400 if form.is_bound else 200)


AUDIT_PAGE_SIZE = 50


@console_view("tenants.change_tenant")
@require_POST
def tenant_move(request, slug):
    """Move (or archive) the tenant on the workers; the operations page shows it live."""
    tenant = _tenant_or_404(slug)
    action = request.POST.get("action")
    if request.POST.get("confirm_slug", "").strip() != tenant.slug:
        messages.error(request, f"Type {tenant.slug} to confirm.")
        return redirect("console:tenant-detail", slug=tenant.slug)
    if action == "move":
        to = request.POST.get("to", "")
        if to not in tenant_database_aliases() or to == tenant.database_alias:
            messages.error(request, f"Choose another database than {tenant.database_alias}.")
            return redirect("console:tenant-detail", slug=tenant.slug)
        kind, params = operation_kinds.MOVE, {"slug": tenant.slug, "to": to}
    elif action == "archive":
        kind, params = operation_kinds.ARCHIVE, {"slug": tenant.slug}
    else:
        raise Http404("No such action.")
    started = operation_services.operation_start(kind=kind, tenant=tenant, params=params,
                                                 requested_by=request.user.get_username())
    (messages.warning if started.sent is False else messages.success)(request, started.notice)
    return redirect("console:operation-list")


@console_view("tenants.view_tenant")
@require_GET
def database_list(request):
    """Each tenant database with its tenants' count and size: where the next ones should go."""
    return _page(request, "console/database_list.html",
                 {"databases": selectors.database_usage(), "placement": settings.TENANT_PLACEMENT},
                 section="databases")


@console_view("audit.view_auditevent")
@require_GET
def audit_list(request):
    """The platform's trail (every organization's events, from MySQL), newest first."""
    search, tenant_slug, action = (request.GET.get(key, "").strip() for key in ("q", "tenant", "action"))
    events = audit_selectors.audit_event_list(search=search, tenant_slug=tenant_slug, action=action)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"query": query.urlencode(), "search": search, "tenant_slug": tenant_slug,
               "action": action, "filtered": bool(search or tenant_slug or action)}
    try:
        context["page"] = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
        context["actions"] = list(audit_selectors.audit_action_names())
        context["page"].object_list = list(context["page"].object_list)  # read here, not in the template
    except DatabaseError as error:
        logger.warning("audit trail unavailable: %s", error)
        context["unavailable"] = True
    context["pending"] = audit_pending_count()
    return _page(request, "console/audit_list.html", context, section="audit",
                 status=503 if context.get("unavailable") else 200)
