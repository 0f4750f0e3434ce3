from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from hub.inventory.models import Account, Host, HostGroup


@admin.register(Host)
class HostAdmin(GuardedModelAdmin):
    list_display = ["name", "ip_address", "port", "os_type", "status", "account"]
    list_filter = ["status", "os_type", "source"]
    search_fields = ["name", "ip_address"]


@admin.register(HostGroup)
class HostGroupAdmin(GuardedModelAdmin):
    list_display = ["name", "parent"]
    search_fields = ["name"]


@admin.register(Account)
class AccountAdmin(GuardedModelAdmin):
    list_display = ["name", "username", "auth_type", "become"]
    exclude = ["password", "private_key", "passphrase", "become_password"]
