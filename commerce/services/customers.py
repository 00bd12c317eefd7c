"""Customers and their delivery addresses, phones kept in E.164 so one person is one customer
whether they are typed by staff, ordered in the chat or write from WhatsApp."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from commerce.models import Address, Customer
from commerce.phones import InvalidPhone, phone_normalize, region_for_currency
from commerce.services.errors import ShopError, validation_messages


def customer_upsert(*, tenant, name: str, phone: str = "", email: str = "", national_id: str = "") -> Customer:
    """The tenant's customer with this phone (or else e-mail), created or brought up to date."""
    try:
        phone = phone_normalize(phone, region=region_for_currency(tenant.currency))
    except InvalidPhone as error:
        raise ShopError(str(error)) from None
    email, name = email.strip().lower(), name.strip()
    if not name:
        raise ShopError("The customer needs a name.")
    customer = None
    if phone:
        customer = Customer.objects.filter(tenant=tenant, phone=phone).first()
    if customer is None and email:
        customer = Customer.objects.filter(tenant=tenant, email__iexact=email).order_by("created_at").first()
    customer = customer or Customer(tenant=tenant)
    customer.name = name
    customer.phone = phone or customer.phone
    customer.email = email or customer.email
    customer.national_id = national_id.strip() or customer.national_id
    try:
        customer.full_clean(exclude=["tenant"], validate_constraints=False)
        with transaction.atomic():
            customer.save()
    except ValidationError as error:
        raise ShopError(" ".join(validation_messages(error))) from None
    except IntegrityError:  # the same phone saved by someone else a moment ago
        return customer_upsert(tenant=tenant, name=name, phone=phone, email=email, national_id=national_id)
    return customer


def customer_update(*, customer: Customer, name: str, phone: str = "", email: str = "", national_id: str = "",
                    whatsapp_id: str = "") -> Customer:
    """Save a customer (new or not) as typed by staff, the phone in E.164."""
    try:
        customer.phone = phone_normalize(phone, region=region_for_currency(customer.tenant.currency))
    except InvalidPhone as error:
        raise ShopError(str(error)) from None
    customer.name, customer.email = name.strip(), email.strip().lower()
    customer.national_id, customer.whatsapp_id = national_id.strip(), whatsapp_id.strip()
    try:
        customer.full_clean()
    except ValidationError as error:
        raise ShopError(" ".join(validation_messages(error))) from None
    customer.save()
    return customer


def customer_for_whatsapp(*, tenant, wa_id: str, user_id: str = "", name: str = "") -> Customer:
    """The customer writing from WhatsApp number `wa_id` (digits with the country code) or
    with Meta's business-scoped user id `user_id`, created when new (named from their
    WhatsApp profile). A customer staff already know keeps the name staff gave them."""
    try:
        phone = phone_normalize("+" + wa_id.lstrip("+"), region=None) if wa_id else ""
    except InvalidPhone:
        phone = ""
    ids = [value for value in (user_id, wa_id) if value]
    customers = Customer.objects.filter(tenant=tenant)
    customer = (customers.filter(phone=phone).first() if phone else None) or (
        customers.filter(whatsapp_id__in=ids).order_by("created_at").first() if ids else None)
    if customer is None:
        customer = Customer(tenant=tenant, name=(name.strip() or phone or "WhatsApp")[:150])
    changed = customer._state.adding
    if phone and not customer.phone:
        customer.phone, changed = phone, True
    if (user_id or wa_id)[:32] != customer.whatsapp_id and (user_id or not customer.whatsapp_id):
        customer.whatsapp_id, changed = (user_id or wa_id)[:32], True
    if not changed:
        return customer
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:  # the same number saved by someone else a moment ago
        return Customer.objects.get(tenant=tenant, phone=phone)
    return customer


def address_add(*, customer: Customer, line1: str, city: str, department: str = "", line2: str = "",
                postal_code: str = "", notes: str = "") -> Address:
    address = Address(tenant_id=customer.tenant_id, customer=customer, line1=line1.strip(), city=city.strip(),
                      department=department.strip(), line2=line2.strip(), postal_code=postal_code.strip(),
                      notes=notes.strip())
    try:
        address.full_clean(exclude=["tenant", "customer"])
    except ValidationError as error:
        raise ShopError(" ".join(validation_messages(error))) from None
    address.save()
    return address
