from django import template

from tenancy.limits import plan_limits

register = template.Library()


@register.simple_tag
def plan_limits_of(plan: str):
    """``{% plan_limits_of tenant.plan as limits %}``: what the tenant's plan allows."""
    return plan_limits(plan)
