from django.db import migrations

DEFAULT_RULES = [
    (r"\brm\s+(-[a-zA-Z]*[rf][a-zA-Z]*\s+)+(--no-preserve-root\s+)?/+(\s|$|\*)", [], "block",
     "rm -rf on the root filesystem"),
    (r"\bmkfs(\.\w+)?\s", ["shell", "perl"], "block", "mkfs formats a filesystem"),
    (r"\bdd\b.*\bof=/dev/(sd|hd|vd|xvd|nvme)", ["shell"], "block",
     "dd writing onto a raw disk device"),
    (r":\(\)\s*\{\s*:\|:&\s*\};:", ["shell"], "block", "fork bomb"),
    (r">\s*/dev/(sd|hd|vd|xvd|nvme)[a-z0-9]*\b", ["shell"], "block",
     "redirect onto a raw disk device"),
    (r"\bchmod\s+(-R\s+)?[0-7]*777\s+/(\s|$)", ["shell"], "warn", "chmod 777 on /"),
    (r"\b(shutdown|reboot|halt|poweroff|init\s+0)\b", ["shell"], "warn",
     "shutdown or reboot of the host"),
    (r"\bFormat-Volume\b|\bRemove-Item\b.*-Recurse.*\b[A-Z]:\\\s*$", ["powershell"], "block",
     "formatting or wiping a Windows volume"),
    (r"shutil\.rmtree\(\s*['\"]/['\"]", ["python"], "block", "rmtree on the root filesystem"),
]


def add_rules(apps, schema_editor):
    Rule = apps.get_model("scripts", "DangerousCommandRule")
    for pattern, types, action, description in DEFAULT_RULES:
        Rule.objects.get_or_create(pattern=pattern, defaults={
            "script_types": types, "action": action, "description": description})


class Migration(migrations.Migration):
    dependencies = [("scripts", "0001_initial")]
    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
