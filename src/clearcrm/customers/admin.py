from django.contrib import admin

from clearcrm.customers.models import Contact, Customer


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("company", "phone", "country", "account_manager", "created")
    list_filter = ("account_manager", "country")
    search_fields = ("company", "contacts__email")
    inlines = [ContactInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("full_name", "email", "customer", "is_primary")
    list_filter = ("is_primary",)
    search_fields = ("first_name", "last_name", "email", "customer__company")
    list_select_related = ("customer",)
